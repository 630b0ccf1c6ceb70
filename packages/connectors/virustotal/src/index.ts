/**
 * @riposte/connector-virustotal — VirusTotal API v3 for Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as VirusTotalSchemas from "./VirusTotal.ts"
export { VirusTotal } from "./VirusTotal.ts"
export * as VirusTotalHttp from "./VirusTotalHttp.ts"
