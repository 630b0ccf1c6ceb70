/**
 * @riposte/connector-slack — Slack Web API for Riposte playbooks: messages and interactive
 * approval requests with every untrusted string escaped.
 *
 * @since 0.1.0
 */

export * as ApprovalMessage from "./ApprovalMessage.ts"
export * as SlackSchemas from "./Slack.ts"
export { Slack } from "./Slack.ts"
export * as SlackHttp from "./SlackHttp.ts"
export * as SlackText from "./SlackText.ts"
