/**
 * @riposte/connector-jira — Jira Cloud REST API v3 for Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as Adf from "./Adf.ts"
export * as JiraSchemas from "./Jira.ts"
export { Jira } from "./Jira.ts"
export * as JiraHttp from "./JiraHttp.ts"
