/**
 * @riposte/connector-microsoft-graph-mail
 *
 * @since 0.1.0
 */
export { GraphMail, MessageRef } from "./GraphMail.ts"
