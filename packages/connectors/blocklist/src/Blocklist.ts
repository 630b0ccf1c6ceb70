/**
 * A firewall / proxy blocklist served as an External Dynamic List (EDL): the plain-text list
 * that PAN-OS, FortiGate, Check Point and most proxies poll. Entries carry a TTL.
 *
 * @since 0.1.0
 */

import { Connector } from "@riposte/core"
import { Schema } from "effect"

export const Entry = Schema.Struct({
  value: Schema.String,
  /** Epoch millis, or null for no expiry. */
  expiresAt: Schema.NullOr(Schema.Number),
})
export type Entry = typeof Entry.Type

export const Blocklist = Connector.make("blocklist", {
  version: "1",
  description: "EDL blocklist: add and remove domains, URLs, IPs and senders with a TTL.",
  actions: {
    /** Blocks a value (domain, URL, IP or sender). Undo: `remove`. */
    add: Connector.action({
      input: Schema.Struct({
        value: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(2048)),
        ttlSeconds: Schema.optional(Schema.Number.check(Schema.isGreaterThan(0))),
        comment: Schema.optional(Schema.String.check(Schema.isMaxLength(500))),
      }),
      output: Schema.Struct({
        value: Schema.String,
        expiresAt: Schema.NullOr(Schema.Number),
        created: Schema.Boolean,
      }),
      kind: "destructive",
      budget: "indicator",
      targets: (i) => [i.value],
      undo: "remove",
      undoInput: (input) => ({ value: input.value }),
    }),
    /** Unblocks a value. */
    remove: Connector.action({
      input: Schema.Struct({ value: Schema.String }),
      output: Schema.Struct({ value: Schema.String, removed: Schema.Boolean }),
      kind: "write",
      targets: (i) => [i.value],
    }),
    /** The live entries. */
    list: Connector.action({
      // Not `Schema.Struct({})`: that accepts any non-null value (42, "x"); this accepts only `{}`.
      input: Schema.Record(Schema.String, Schema.Never),
      output: Schema.Struct({ entries: Schema.Array(Schema.String) }),
      kind: "read",
    }),
  },
})
