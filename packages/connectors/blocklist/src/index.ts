/**
 * @riposte/connector-blocklist
 *
 * @since 0.1.0
 */
export { Blocklist, Entry } from "./Blocklist.ts"
