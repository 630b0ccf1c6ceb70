import { Schema } from "effect"
import { fromParsed as fromParsedImpl } from "./internal/Signals.ts"
import { Attachment, Authentication, Mailbox, type ParsedEmail } from "./ParsedEmail.ts"

/** Kinds of normalised indicators. */
export const IndicatorType = Schema.Literals(["url", "domain", "ip", "email", "sha256", "md5", "filename"])
export type IndicatorType = typeof IndicatorType.Type

/** One normalised indicator; `raw` is the form found in the message. */
export const Indicator = Schema.Struct({
  type: IndicatorType,
  value: Schema.String,
  raw: Schema.String,
  /** Where it came from: `from`, `reply-to`, `html-href`, `qr`, `attachment`, `received`, ... */
  context: Schema.String,
  /** 0 for the outer message, n for a message/rfc822 nested n levels deep. */
  depth: Schema.Number,
})
export type Indicator = typeof Indicator.Type

/** Phishing signals derived from headers, URLs and attachments. */
export const SignalKind = Schema.Literals([
  "DisplayNameAddressMismatch",
  "DisplayNameBrandMismatch",
  "ReplyToMismatch",
  "ReturnPathMismatch",
  "SenderMismatch",
  "AuthenticationFailure",
  "UrlShortener",
  "QrCodeUrl",
  "DefangedUrl",
  "AttachmentTypeMismatch",
  "RiskyAttachment",
  "NestedMessage",
])
export type SignalKind = typeof SignalKind.Type

export const Signal = Schema.Struct({
  kind: SignalKind,
  detail: Schema.String,
  depth: Schema.Number,
})
export type Signal = typeof Signal.Type

/** Attachment metadata with the depth of the message that carried it. */
export const AnalyzedAttachment = Schema.Struct({ ...Attachment.fields, depth: Schema.Number })
export type AnalyzedAttachment = typeof AnalyzedAttachment.Type

/** The result of `Email.analyze`: plain JSON data, journal-safe (no bytes, no bodies). */
export const Analysis = Schema.Struct({
  subject: Schema.NullOr(Schema.String),
  messageId: Schema.NullOr(Schema.String),
  date: Schema.NullOr(Schema.String),
  from: Schema.NullOr(Mailbox),
  authentication: Authentication,
  originIp: Schema.NullOr(Schema.String),
  signals: Schema.Array(Signal),
  indicators: Schema.Array(Indicator),
  attachments: Schema.Array(AnalyzedAttachment),
})
export type Analysis = typeof Analysis.Type

/**
 * Derives signals and the flat, de-duplicated indicator list from a parsed message
 * (nested messages included). Pure and cheap: runs on the calling thread.
 *
 * @example
 * ```ts
 * const analysis = Analysis.fromParsed(parsed)
 * analysis.signals.filter((s) => s.kind === "ReplyToMismatch")
 * ```
 */
export const fromParsed = (parsed: ParsedEmail): Analysis => fromParsedImpl(parsed)
