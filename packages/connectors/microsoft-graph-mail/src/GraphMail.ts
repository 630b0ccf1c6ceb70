/**
 * Microsoft Graph mail: find every copy of a reported message across mailboxes, move copies to
 * a quarantine folder (destructive, undoable) and notify people.
 *
 * @since 0.1.0
 */

import { Connector } from "@riposte/core"
import { Schema } from "effect"

export const MessageRef = Schema.Struct({
  mailbox: Schema.String,
  /** Graph message id (changes when a message moves). */
  id: Schema.String,
  subject: Schema.optional(Schema.NullOr(Schema.String)),
  receivedDateTime: Schema.optional(Schema.NullOr(Schema.String)),
  parentFolderId: Schema.optional(Schema.NullOr(Schema.String)),
  /** The Internet Message-ID header, so a quarantine can reconcile after a lost reply. */
  internetMessageId: Schema.optional(Schema.NullOr(Schema.String)),
})
export type MessageRef = typeof MessageRef.Type

export const GraphMail = Connector.make("microsoft-graph-mail", {
  version: "v1.0",
  description: "Microsoft Graph mail (Exchange Online): search, quarantine, restore, send.",
  actions: {
    /** Every copy of a message (by its Internet Message-ID) in the given mailboxes, or in all. */
    searchMessages: Connector.action({
      input: Schema.Struct({
        internetMessageId: Schema.String.check(Schema.isMinLength(3), Schema.isMaxLength(998)),
        mailboxes: Schema.optional(Schema.Array(Schema.String).check(Schema.isMaxLength(10_000))),
      }),
      output: Schema.Struct({ messages: Schema.Array(MessageRef) }),
      kind: "read",
      targets: (i) => [i.internetMessageId],
    }),
    /**
     * Moves one copy to the quarantine folder. Undo: `restoreMessage`. With `internetMessageId`,
     * a replay whose first attempt already moved the message (its id changed) finds it in the
     * quarantine folder and succeeds without moving it again.
     */
    quarantineMessage: Connector.action({
      input: Schema.Struct({
        mailbox: Schema.String,
        id: Schema.String,
        folder: Schema.optional(Schema.String),
        internetMessageId: Schema.optional(
          Schema.String.check(Schema.isMinLength(3), Schema.isMaxLength(998)),
        ),
      }),
      output: Schema.Struct({ mailbox: Schema.String, id: Schema.String, previousId: Schema.String }),
      kind: "destructive",
      budget: "mailbox",
      targets: (i) => [i.mailbox],
      undo: "restoreMessage",
      undoInput: (input, output) =>
        input.internetMessageId === undefined
          ? { mailbox: output.mailbox, id: output.id }
          : { mailbox: output.mailbox, id: output.id, internetMessageId: input.internetMessageId },
    }),
    /** Moves a message back to the inbox. */
    restoreMessage: Connector.action({
      input: Schema.Struct({
        mailbox: Schema.String,
        id: Schema.String,
        folder: Schema.optional(Schema.String),
      }),
      output: Schema.Struct({ mailbox: Schema.String, id: Schema.String, previousId: Schema.String }),
      kind: "write",
      targets: (i) => [i.mailbox],
    }),
    /** Sends a plain-text message from a service mailbox. */
    sendMail: Connector.action({
      input: Schema.Struct({
        from: Schema.String,
        to: Schema.String,
        subject: Schema.String.check(Schema.isMaxLength(255)),
        body: Schema.String.check(Schema.isMaxLength(100_000)),
      }),
      output: Schema.Struct({ sent: Schema.Boolean }),
      kind: "write",
      targets: (i) => [i.to],
    }),
  },
})
