/**
 * @riposte/connector-blocklist — an EDL (external dynamic list) blocklist for Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as BlocklistSchemas from "./Blocklist.ts"
export { Blocklist, Entry } from "./Blocklist.ts"
export * as BlocklistHttp from "./BlocklistHttp.ts"
