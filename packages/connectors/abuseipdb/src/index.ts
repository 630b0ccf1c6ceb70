/**
 * @riposte/connector-abuseipdb — AbuseIPDB API v2 for Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as AbuseIpDbSchemas from "./AbuseIpDb.ts"
export { AbuseIpDb } from "./AbuseIpDb.ts"
export * as AbuseIpDbHttp from "./AbuseIpDbHttp.ts"
