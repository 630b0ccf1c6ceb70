/**
 * Why a payload could not be turned into alerts. The offending payload is always kept in `raw`
 * so the caller can quarantine it: nothing is silently dropped.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** No normalizer recognises the payload's shape. */
export class UnknownShape extends Schema.TaggedClass<UnknownShape>()("UnknownShape", {
  hint: Schema.String,
}) {}

/** A normalizer recognised the shape but a required field is missing or malformed. */
export class Invalid extends Schema.TaggedClass<Invalid>()("Invalid", {
  path: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  message: Schema.String,
}) {}

export const Reason = Schema.Union([UnknownShape, Invalid])
export type Reason = typeof Reason.Type

/**
 * @example
 * ```ts
 * Effect.catchTag(Alerts.detect(json), "AlertError", (e) =>
 *   Effect.log(e.reason._tag, e.vendor, e.raw))
 * ```
 */
export class AlertError extends Schema.TaggedError<AlertError>()("AlertError", {
  vendor: Schema.optionalKey(Schema.String),
  reason: Reason,
  raw: Schema.Unknown,
}) {
  override get message(): string {
    const where = this.vendor ? `${this.vendor}: ` : ""
    return this.reason._tag === "UnknownShape"
      ? `${where}unknown alert shape (${this.reason.hint})`
      : `${where}invalid alert at ${this.reason.path.join(".") || "<root>"}: ${this.reason.message}`
  }
}
