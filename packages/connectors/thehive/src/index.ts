/**
 * @riposte/connector-thehive — TheHive 5 API v1 for Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as TheHiveSchemas from "./TheHive.ts"
export { TheHive } from "./TheHive.ts"
export * as TheHiveHttp from "./TheHiveHttp.ts"
