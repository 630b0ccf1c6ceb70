/**
 * @riposte/connector-urlhaus — URLhaus (abuse.ch) API v1 for Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as UrlHausSchemas from "./UrlHaus.ts"
export { UrlHaus } from "./UrlHaus.ts"
export * as UrlHausHttp from "./UrlHausHttp.ts"
