/**
 * @riposte/connector-microsoft-graph-mail — Microsoft Graph mail (Exchange Online) for Riposte
 * playbooks: find every copy of a message, quarantine, restore, notify.
 *
 * @since 0.1.0
 */

export * as GraphMailSchemas from "./GraphMail.ts"
export { GraphMail, MessageRef } from "./GraphMail.ts"
export * as GraphMailHttp from "./GraphMailHttp.ts"
