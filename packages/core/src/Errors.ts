/**
 * Error families of Riposte. Every error is a `Schema.TaggedError`: serialisable, so it can
 * travel through a workflow journal and be replayed unchanged.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

// ---------------------------------------------------------------------------
// ConnectorError: one error, a `reason` union (the AiError pattern)
// ---------------------------------------------------------------------------

/** 401: the credentials were refused. Not retryable. */
export class Unauthorized extends Schema.TaggedClass<Unauthorized>()("Unauthorized", {}) {}
/** 403: authenticated but not allowed. Not retryable. */
export class Forbidden extends Schema.TaggedClass<Forbidden>()("Forbidden", {}) {}
/** 404: the object does not exist at the vendor. Not retryable. */
export class NotFound extends Schema.TaggedClass<NotFound>()("NotFound", {}) {}
/** 409: the vendor reports a conflicting state. Not retryable. */
export class Conflict extends Schema.TaggedClass<Conflict>()("Conflict", {}) {}
/** 429: rate limited; `retryAfterMillis` comes from Retry-After when the vendor sent one. */
export class RateLimited extends Schema.TaggedClass<RateLimited>()("RateLimited", {
  retryAfterMillis: Schema.optional(Schema.Number),
}) {}
/** The call did not answer within its timeout. Retryable. */
export class Timeout extends Schema.TaggedClass<Timeout>()("Timeout", {
  afterMillis: Schema.Number,
}) {}
/** Connection refused, reset, DNS failure… Retryable. */
export class Transport extends Schema.TaggedClass<Transport>()("Transport", {
  detail: Schema.String,
}) {}
/** 5xx. Retryable. */
export class ServerError extends Schema.TaggedClass<ServerError>()("ServerError", {
  status: Schema.Number,
}) {}
/** The response did not match the action's output schema; `path` names the failing field. */
export class InvalidResponse extends Schema.TaggedClass<InvalidResponse>()("InvalidResponse", {
  path: Schema.String,
  detail: Schema.String,
}) {}
/** The input did not match the action's input schema. Not retryable. */
export class InvalidInput extends Schema.TaggedClass<InvalidInput>()("InvalidInput", {
  path: Schema.String,
  detail: Schema.String,
}) {}
/** No implementation (client Layer) was provided for the connector. Not retryable. */
export class NotConfigured extends Schema.TaggedClass<NotConfigured>()("NotConfigured", {}) {}
/** Refused locally before any request: SSRF guard, disallowed host, scope rule. Not retryable. */
export class Refused extends Schema.TaggedClass<Refused>()("Refused", {
  detail: Schema.String,
}) {}

/** Every reason a connector call can fail for. */
export const ConnectorErrorReason = Schema.Union([
  Unauthorized,
  Forbidden,
  NotFound,
  Conflict,
  RateLimited,
  Timeout,
  Transport,
  ServerError,
  InvalidResponse,
  InvalidInput,
  NotConfigured,
  Refused,
])
export type ConnectorErrorReason = typeof ConnectorErrorReason.Type

const retryableReasons: ReadonlySet<ConnectorErrorReason["_tag"]> = new Set([
  "RateLimited",
  "Timeout",
  "Transport",
  "ServerError",
])

/**
 * The one error a connector call fails with.
 *
 * @example
 * ```ts
 * new ConnectorError({ connector: "virustotal", action: "urlReport", reason: new RateLimited({ retryAfterMillis: 1000 }) })
 * ```
 */
export class ConnectorError extends Schema.TaggedError<ConnectorError>()("ConnectorError", {
  connector: Schema.String,
  action: Schema.String,
  reason: ConnectorErrorReason,
}) {
  /** Whether retrying the same call may succeed (rate limits, timeouts, transport, 5xx). */
  get retryable(): boolean {
    return retryableReasons.has(this.reason._tag)
  }
  override get message(): string {
    return `${this.connector}.${this.action}: ${this.reason._tag}${describeReason(this.reason)}`
  }
}

const describeReason = (reason: ConnectorErrorReason): string => {
  switch (reason._tag) {
    case "RateLimited":
      return reason.retryAfterMillis === undefined ? "" : ` (retry after ${reason.retryAfterMillis} ms)`
    case "Timeout":
      return ` (after ${reason.afterMillis} ms)`
    case "Transport":
    case "Refused":
      return ` (${reason.detail})`
    case "ServerError":
      return ` (HTTP ${reason.status})`
    case "InvalidResponse":
    case "InvalidInput":
      return ` at ${reason.path}: ${reason.detail}`
    default:
      return ""
  }
}

/** `true` when `u` is a retryable {@link ConnectorError}. */
export const isRetryable = (u: unknown): boolean => u instanceof ConnectorError && u.retryable

// ---------------------------------------------------------------------------
// Definition and trigger errors
// ---------------------------------------------------------------------------

/** A playbook definition is invalid (duplicate step, destructive act without a gate…). */
export class PlaybookDefinitionError extends Schema.TaggedError<PlaybookDefinitionError>()(
  "PlaybookDefinitionError",
  { playbook: Schema.String, step: Schema.optional(Schema.String), detail: Schema.String },
) {
  override get message(): string {
    return `playbook '${this.playbook}'${this.step === undefined ? "" : ` step '${this.step}'`}: ${this.detail}`
  }
}

/** The trigger input did not match the playbook's trigger schema. `path` names the failing field. */
export class TriggerValidationError extends Schema.TaggedError<TriggerValidationError>()(
  "TriggerValidationError",
  { playbook: Schema.String, path: Schema.String, detail: Schema.String },
) {
  override get message(): string {
    return `playbook '${this.playbook}': invalid trigger input at ${this.path}: ${this.detail}`
  }
}

/** A deterministic step threw or failed. */
export class StepError extends Schema.TaggedError<StepError>()("StepError", {
  playbook: Schema.String,
  step: Schema.String,
  detail: Schema.String,
}) {
  override get message(): string {
    return `playbook '${this.playbook}' step '${this.step}': ${this.detail}`
  }
}

/** A step exceeded its timeout. */
export class StepTimeout extends Schema.TaggedError<StepTimeout>()("StepTimeout", {
  playbook: Schema.String,
  step: Schema.String,
  afterMillis: Schema.Number,
}) {}

// ---------------------------------------------------------------------------
// Runs and approvals
// ---------------------------------------------------------------------------

/** No run with that id is known to the engine. */
export class RunNotFound extends Schema.TaggedError<RunNotFound>()("RunNotFound", {
  runId: Schema.String,
}) {}

/** A playbook was not registered with the engine. */
export class PlaybookNotRegistered extends Schema.TaggedError<PlaybookNotRegistered>()(
  "PlaybookNotRegistered",
  { playbook: Schema.String, version: Schema.String },
) {}

/** A playbook may not start runs now: not activated (provenance) or paused (kill switch). */
export class PlaybookInactive extends Schema.TaggedError<PlaybookInactive>()("PlaybookInactive", {
  playbook: Schema.String,
  version: Schema.String,
  reason: Schema.Literals(["NotActivated", "Paused"]),
  detail: Schema.optional(Schema.String),
}) {}

/** An approval decision was refused (unknown request, already decided, wrong role…). */
export class ApprovalError extends Schema.TaggedError<ApprovalError>()("ApprovalError", {
  requestId: Schema.String,
  reason: Schema.Literals([
    "NotFound",
    "AlreadyDecided",
    "Expired",
    "RoleNotAllowed",
    "SelfApproval",
    "DuplicateApprover",
    "PayloadChanged",
    "InvalidToken",
  ]),
  detail: Schema.optional(Schema.String),
}) {
  override get message(): string {
    return `approval ${this.requestId}: ${this.reason}${this.detail === undefined ? "" : ` (${this.detail})`}`
  }
}

/** Every error a run can end with. */
export const RunError = Schema.Union([ConnectorError, StepError, StepTimeout, TriggerValidationError])
export type RunError = typeof RunError.Type
