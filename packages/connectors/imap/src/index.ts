/**
 * @riposte/connector-imap — any IMAP mail server for Riposte playbooks: find every copy of a
 * message by Message-ID, quarantine and restore.
 *
 * @since 0.1.0
 */

export * as ImapSchemas from "./Imap.ts"
export { Imap, MessageRef, Moved } from "./Imap.ts"
export * as ImapClient from "./ImapClient.ts"
