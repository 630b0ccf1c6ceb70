import { Schema } from "effect"

/** The raw message is larger than `Limits.maxBytes`. */
export const TooLarge = Schema.TaggedStruct("TooLarge", { size: Schema.Number, limit: Schema.Number })
/** The message has more MIME parts than `Limits.maxParts`. */
export const TooManyParts = Schema.TaggedStruct("TooManyParts", {
  count: Schema.Number,
  limit: Schema.Number,
})
/** Multipart nesting (`multipart`) or message/rfc822 nesting (`message`) is deeper than allowed. */
export const TooDeep = Schema.TaggedStruct("TooDeep", {
  kind: Schema.Literals(["multipart", "message"]),
  limit: Schema.Number,
})
/** The header blocks of all parts together exceed `Limits.maxHeaderBytes`. */
export const HeadersTooLarge = Schema.TaggedStruct("HeadersTooLarge", { limit: Schema.Number })
/** One decoded attachment is larger than `Limits.maxAttachmentBytes`. */
export const AttachmentTooLarge = Schema.TaggedStruct("AttachmentTooLarge", {
  filename: Schema.NullOr(Schema.String),
  size: Schema.Number,
  limit: Schema.Number,
})
/** More distinct URLs than `Limits.maxUrls`. */
export const TooManyUrls = Schema.TaggedStruct("TooManyUrls", { count: Schema.Number, limit: Schema.Number })
/** The worker did not answer within `Limits.timeoutMs`; it was terminated. */
export const Timeout = Schema.TaggedStruct("Timeout", { timeoutMs: Schema.Number })
/** The input could not be parsed as a message at all. */
export const Malformed = Schema.TaggedStruct("Malformed", { message: Schema.String })
/** The worker died (out of memory, crash) before answering. */
export const WorkerCrashed = Schema.TaggedStruct("WorkerCrashed", { message: Schema.String })

/** Why a message could not be analysed. Plain data: it can be journaled. */
export const Reason = Schema.Union([
  TooLarge,
  TooManyParts,
  TooDeep,
  HeadersTooLarge,
  AttachmentTooLarge,
  TooManyUrls,
  Timeout,
  Malformed,
  WorkerCrashed,
])
export type Reason = typeof Reason.Type

/**
 * The single error family of `@riposte/email`. The `reason` says which bound was hit.
 *
 * @example
 * ```ts
 * Email.parse(raw).pipe(
 *   Effect.catchTag("EmailError", (e) => Effect.log(e.reason._tag)),
 * )
 * ```
 */
export class EmailError extends Schema.TaggedError<EmailError>()("EmailError", { reason: Reason }) {
  override get message(): string {
    return describe(this.reason)
  }
}

/** A one-line human description of a reason. */
export const describe = (reason: Reason): string => {
  switch (reason._tag) {
    case "TooLarge":
      return `message of ${reason.size} bytes exceeds the limit of ${reason.limit}`
    case "TooManyParts":
      return `message has ${reason.count} MIME parts, limit ${reason.limit}`
    case "TooDeep":
      return `${reason.kind} nesting exceeds the limit of ${reason.limit}`
    case "HeadersTooLarge":
      return `headers exceed ${reason.limit} bytes`
    case "AttachmentTooLarge":
      return `attachment ${reason.filename ?? "(unnamed)"} of ${reason.size} bytes exceeds ${reason.limit}`
    case "TooManyUrls":
      return `message has ${reason.count} URLs, limit ${reason.limit}`
    case "Timeout":
      return `parsing did not finish within ${reason.timeoutMs} ms`
    case "Malformed":
      return `malformed message: ${reason.message}`
    case "WorkerCrashed":
      return `parser worker crashed: ${reason.message}`
  }
}
