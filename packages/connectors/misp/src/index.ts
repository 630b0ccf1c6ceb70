/**
 * @riposte/connector-misp — MISP REST API for Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as MispSchemas from "./Misp.ts"
export { Misp } from "./Misp.ts"
export * as MispHttp from "./MispHttp.ts"
