/**
 * The Slack Web API connector definition: schemas and kinds only. The HTTP implementation is
 * {@link SlackHttp.layer}; the approval message's blocks are built by {@link ApprovalMessage}.
 *
 * @example
 * ```ts
 * import { Slack } from "@riposte/connector-slack"
 *
 * const note = Slack.postMessage({ channel: "C0123456789", text: "Contained wks-42" })
 * const ask = Slack.approvalMessage({
 *   channel: "C0123456789",
 *   approvalToken, // opaque, from the engine's approval store — never a workflow token
 *   action: "Quarantine the message in 42 mailboxes",
 *   summary: alert.summary,
 *   subject: alert.subject,
 * })
 * ```
 * @since 0.1.0
 */
import { Connector } from "@riposte/core"
import { Schema } from "effect"

export const Posted = Schema.Struct({
  ok: Schema.Literal(true),
  channel: Schema.String,
  ts: Schema.String,
  message: Schema.optional(
    Schema.Struct({
      ts: Schema.optional(Schema.String),
      text: Schema.optional(Schema.String),
      blocks: Schema.optional(Schema.Array(Schema.Unknown)),
      metadata: Schema.optional(
        Schema.Struct({ event_type: Schema.String, event_payload: Schema.optional(Schema.Unknown) }),
      ),
    }),
  ),
})

/** A conversation id (`C…`, `G…`, `D…`) — names can be renamed, ids cannot. */
const Channel = Schema.String.check(
  Schema.isPattern(/^[CGD][A-Z0-9]{8,20}$/, { message: "a Slack conversation id such as C0123456789" }),
)
const Ts = Schema.String.check(
  Schema.isPattern(/^\d{10}\.\d{6}$/, { message: "a message ts such as 1700000000.000100" }),
)
const Text = Schema.String.check(Schema.isBetweenLength(1, 40_000))
const Short = Schema.String.check(Schema.isBetweenLength(1, 2_000))
/**
 * The opaque approval token minted by the caller's approval store (random, single use). It is
 * put in the buttons' `value` and comes back with the click. NEVER a `DurableDeferred` token:
 * those are derivable from the alert id (see ENGINE-NOTES).
 */
const ApprovalToken = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-]{22,200}$/, { message: "an opaque URL-safe token of 22–200 characters" }),
)
const Url = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s]{1,2040}$/i, {
    message: "an http(s) URL without spaces, at most 2 KiB",
  }),
)

export const ApprovalInput = Schema.Struct({
  channel: Channel,
  approvalToken: ApprovalToken,
  /** What will happen on Approve (playbook text; still escaped). */
  action: Short,
  /** Attacker-influenced text (alert summary): escaped. */
  summary: Text,
  /** Attacker-controlled (email subject): escaped. */
  subject: Schema.optional(Short),
  /** Attacker-controlled (email sender): escaped and defanged. */
  sender: Schema.optional(Short),
  /** Attacker-controlled URLs: escaped and defanged, at most 20 listed. */
  urls: Schema.optional(Schema.Array(Url).check(Schema.isMaxLength(20))),
  /** Who or what asks (playbook name, run id): escaped. */
  requestedBy: Schema.optional(Short),
  /** When the request expires (ISO-8601), shown to the approver. */
  expiresAt: Schema.optional(
    Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2})$/)),
  ),
})

export const Slack = Connector.make("slack", {
  version: "web-api",
  description: "Slack Web API: post messages and interactive approval requests.",
  actions: {
    postMessage: Connector.action({
      input: Schema.Struct({
        channel: Channel,
        text: Text,
        /**
         * `plain` (default): the whole text is escaped with SlackText.escape. `mrkdwn`: sent as
         * is — escape every untrusted part yourself with SlackText.escape.
         */
        format: Schema.optional(Schema.Literals(["plain", "mrkdwn"])),
        threadTs: Schema.optional(Ts),
      }),
      output: Posted,
      kind: "write",
      description: "POST /chat.postMessage (metadata riposte_action carries the idempotency key)",
    }),
    approvalMessage: Connector.action({
      input: ApprovalInput,
      output: Posted,
      kind: "write",
      description: "POST /chat.postMessage with Approve / Deny buttons carrying the approval token",
    }),
  },
})
