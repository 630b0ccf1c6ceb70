/**
 * The IMAP connector definition: find every copy of a message (by its Message-ID header) across
 * mailboxes on any standards mail server, move copies to a quarantine folder (destructive,
 * undoable) and move them back. The implementation is {@link ImapClient.layer} (imapflow).
 *
 * A message is addressed by mailbox, folder, UID and the folder's UIDVALIDITY (a UID means
 * nothing once UIDVALIDITY changes). Moving a message gives it a new UID in the destination.
 *
 * @example
 * ```ts
 * import { Imap } from "@riposte/connector-imap"
 *
 * const call = Imap.searchMessages({ messageId: "<phish-1@evil.example>" }) // a value, runs nothing
 * ```
 * @since 0.1.0
 */
import { Connector } from "@riposte/core"
import { Schema } from "effect"

/** A Message-ID header value: one line, 3 to 998 characters (RFC 5322's line limit). */
export const MessageId = Schema.String.check(
  Schema.isPattern(/^[^\r\n\0]{3,998}$/, { message: "a Message-ID (one line, 3-998 characters)" }),
)
/** A mailbox (login) name: one line, at most 254 characters. */
export const Mailbox = Schema.String.check(
  Schema.isPattern(/^[^\r\n\0\s*]{1,254}$/, { message: "a mailbox name (no spaces, '*' or line breaks)" }),
)
/** A folder path as the server lists it: one line, at most 255 characters. */
export const Folder = Schema.String.check(
  Schema.isPattern(/^[^\r\n\0]{1,255}$/, { message: "a folder path (one line, 1-255 characters)" }),
)
const Uid = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 4_294_967_295 }))
const UidValidity = Schema.String.check(
  Schema.isPattern(/^\d{1,10}$/, { message: "a UIDVALIDITY (decimal)" }),
)

export const MessageRef = Schema.Struct({
  mailbox: Schema.String,
  folder: Schema.String,
  uid: Schema.Number,
  uidValidity: Schema.String,
  messageId: Schema.String,
  subject: Schema.NullOr(Schema.String),
})
export type MessageRef = typeof MessageRef.Type

export const Moved = Schema.Struct({
  mailbox: Schema.String,
  folder: Schema.String,
  uid: Schema.Number,
  uidValidity: Schema.String,
  previousFolder: Schema.String,
  previousUid: Schema.Number,
  /** The message was already in the destination (nothing moved). */
  alreadyThere: Schema.Boolean,
})
export type Moved = typeof Moved.Type

const MoveInput = {
  mailbox: Mailbox,
  folder: Folder,
  uid: Uid,
  /** When given, a UIDVALIDITY change fails with `Conflict` instead of moving another message. */
  uidValidity: Schema.optional(UidValidity),
  /** When given, a replay whose first attempt already moved the message finds it and succeeds. */
  messageId: Schema.optional(MessageId),
}

export const Imap = Connector.make("imap", {
  version: "IMAP4rev1",
  description: "Any IMAP server (MOVE/UIDPLUS): find a message in every mailbox, quarantine, restore.",
  actions: {
    searchMessages: Connector.action({
      input: Schema.Struct({
        messageId: MessageId,
        /** Default: every configured mailbox. */
        mailboxes: Schema.optional(Schema.Array(Mailbox).check(Schema.isMaxLength(10_000))),
      }),
      output: Schema.Struct({ messages: Schema.Array(MessageRef) }),
      kind: "read",
      targets: (i) => [i.messageId],
    }),
    /** Moves one copy to the quarantine folder (created when missing). Undo: `restoreMessage`. */
    quarantineMessage: Connector.action({
      input: Schema.Struct(MoveInput),
      output: Moved,
      kind: "destructive",
      budget: "mailbox",
      targets: (i) => [i.mailbox],
      undo: "restoreMessage",
      undoInput: (input, output) => ({
        mailbox: output.mailbox,
        folder: output.folder,
        uid: output.uid,
        uidValidity: output.uidValidity,
        toFolder: output.previousFolder,
        ...(input.messageId === undefined ? {} : { messageId: input.messageId }),
      }),
    }),
    /** Moves a message back (default to INBOX). */
    restoreMessage: Connector.action({
      input: Schema.Struct({ ...MoveInput, toFolder: Schema.optional(Folder) }),
      output: Moved,
      kind: "write",
      targets: (i) => [i.mailbox],
    }),
  },
})
