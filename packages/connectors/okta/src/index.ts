/**
 * @riposte/connector-okta — Okta user lifecycle for Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as OktaSchemas from "./Okta.ts"
export { Okta, User } from "./Okta.ts"
export * as OktaHttp from "./OktaHttp.ts"
