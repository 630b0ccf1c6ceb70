/**
 * Input validation shared by every case-store adapter (memory here, SQL in
 * `@riposte/case-store`): untrusted input is decoded with the model schemas, and failures become
 * `CaseStoreError` reason `Invalid` with the issue's path, so all adapters report the same paths.
 *
 * @since 0.1.0
 */
import { Effect, type Exit, Schema, SchemaIssue } from "effect"
import * as CaseModel from "./CaseModel.ts"
import * as CaseStore from "./CaseStore.ts"

/** Largest JSON document (alert, action input, timeline data) accepted, in characters. */
export const MAX_JSON = 1_000_000
export const MAX_MESSAGE = 100_000
/** Largest array (tags, observables batch, approvers, …) accepted. */
export const MAX_ITEMS = 10_000

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

export const invalid = (detail: string, path?: string): CaseStore.CaseStoreError =>
  new CaseStore.CaseStoreError(
    path === undefined ? { reason: "Invalid", detail } : { reason: "Invalid", detail, path },
  )

export const notFound = (what: string): CaseStore.CaseStoreError =>
  new CaseStore.CaseStoreError({ reason: "NotFound", detail: `${what} not found` })

export const conflict = (detail: string): CaseStore.CaseStoreError =>
  new CaseStore.CaseStoreError({ reason: "Conflict", detail })

/** Keys holding free-form JSON documents (stored escaped, so any content is safe). */
const documentKeys = new Set(["alert", "input", "data"])
/** Keys holding epoch milliseconds or counts, stored in integer columns. */
const integerKeys = new Set([
  "at",
  "requestedAt",
  "decidedAt",
  "expiresAt",
  "firstSeen",
  "lastSeen",
  "size",
  "quorum",
  "extendMillis",
])

/**
 * What the schemas allow but a database cannot store faithfully: NUL in text (Postgres rejects
 * it), non-finite numbers (SQLite turns NaN into NULL) and fractional timestamps in bigint columns.
 */
const unstorable = (value: unknown, path: string, key = ""): { path: string; detail: string } | undefined => {
  if (typeof value === "string") {
    if (value.length > MAX_MESSAGE) return { path, detail: `longer than ${MAX_MESSAGE} characters` }
    return value.includes("\u0000") ? { path, detail: "contains a NUL character" } : undefined
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return { path, detail: "must be a finite number" }
    if (integerKeys.has(key) && !Number.isSafeInteger(value)) return { path, detail: "must be an integer" }
    return undefined
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_ITEMS) return { path, detail: `more than ${MAX_ITEMS} items` }
    for (const [i, v] of value.entries()) {
      const found = unstorable(v, `${path}.${i}`)
      if (found) return found
    }
    return undefined
  }
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (documentKeys.has(k)) continue
      const found = unstorable(v, `${path}.${k}`, k)
      if (found) return found
    }
  }
  return undefined
}

/**
 * `unstorable(value, path, key) === undefined`, without building the path of every field: the
 * common case (a storable record) costs no string concatenation; a failure is described by
 * `unstorable`.
 */
const storable = (value: unknown, key: string): boolean => {
  if (typeof value === "string") return value.length <= MAX_MESSAGE && !value.includes("\u0000")
  if (typeof value === "number")
    return Number.isFinite(value) && (!integerKeys.has(key) || Number.isSafeInteger(value))
  if (Array.isArray(value)) {
    if (value.length > MAX_ITEMS) return false
    for (let i = 0; i < value.length; i++) if (!storable(value[i], "")) return false
    return true
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>
    for (const k of Object.keys(record)) {
      if (documentKeys.has(k)) continue
      if (!storable(record[k], k)) return false
    }
  }
  return true
}

export const decode = <S extends Schema.Codec<unknown, unknown>>(schema: S, root: string) => {
  const run = Schema.decodeUnknownExit(schema as never, { errors: "first" }) as (
    input: unknown,
  ) => Exit.Exit<S["Type"], Schema.SchemaError>
  return (input: unknown): Effect.Effect<S["Type"], CaseStore.CaseStoreError> => {
    const exit = run(input)
    if (exit._tag === "Success") {
      const bad = storable(exit.value, "") ? undefined : unstorable(exit.value, root)
      return bad ? Effect.fail(invalid(bad.detail, bad.path)) : Effect.succeed(exit.value)
    }
    const error = exit.cause.reasons.find((r) => r._tag === "Fail")
    const issue =
      error && error._tag === "Fail"
        ? formatter((error.error as Schema.SchemaError).issue).issues[0]
        : undefined
    const path = [root, ...(issue?.path ?? []).map((p) => String(typeof p === "object" ? p.key : p))].join(
      ".",
    )
    return Effect.fail(invalid(issue?.message ?? "invalid input", path))
  }
}

/** Serialises a value to JSON text; rejects what JSON cannot hold and documents over the limit. */
export const jsonText = (value: unknown, path: string): Effect.Effect<string, CaseStore.CaseStoreError> =>
  Effect.suspend(() => {
    let text: string | undefined
    try {
      text = JSON.stringify(value === undefined ? null : value)
    } catch (cause) {
      return Effect.fail(invalid(`not JSON-serialisable: ${String(cause)}`, path))
    }
    if (text === undefined) return Effect.fail(invalid("not JSON-serialisable", path))
    if (text.length > MAX_JSON)
      return Effect.fail(invalid(`document larger than ${MAX_JSON} characters`, path))
    return Effect.succeed(text)
  })

export const newCase = decode(CaseModel.NewCase, "case")
export const patch = decode(CaseModel.CasePatch, "patch")
export const observables = decode(Schema.Array(CaseModel.ObservableInput), "observables")
export const enrichment = decode(CaseModel.EnrichmentRecord, "enrichment")
export const action = decode(CaseModel.ActionRecord, "action")
export const approval = decode(CaseModel.ApprovalRecord, "approval")
export const note = decode(CaseModel.NoteRecord, "note")
export const artifact = decode(CaseModel.ArtifactRecord, "artifact")
export const filter = decode(CaseModel.CaseFilter, "filter")
export const actor = decode(CaseModel.Actor, "actor")
export const event = decode(
  Schema.Struct({
    kind: CaseModel.TimelineKind,
    actor: CaseModel.Actor,
    message: Schema.String.check(Schema.isMaxLength(MAX_MESSAGE)),
  }),
  "event",
)
export const decision = decode(
  Schema.Struct({
    decision: CaseModel.ApprovalDecision,
    approvers: Schema.Array(Schema.String),
    comment: Schema.optional(Schema.NullOr(Schema.String.check(Schema.isMaxLength(MAX_MESSAGE)))),
    roles: Schema.optional(Schema.Array(Schema.String)),
    extendMillis: Schema.optional(Schema.Number),
  }),
  "decision",
)

const statusRank: Record<CaseModel.CaseStatus, number> = {
  new: 0,
  triaged: 1,
  contained: 2,
  resolved: 3,
  closed: 4,
}

/** Applies status stamps: reaching a later status implies the earlier milestones. */
export const withStatus = (
  r: CaseModel.CaseRecord,
  status: CaseModel.CaseStatus,
  now: number,
): CaseModel.CaseRecord => {
  const rank = statusRank[status]
  return {
    ...r,
    status,
    acknowledgedAt: r.acknowledgedAt ?? (rank >= 1 ? now : null),
    containedAt: r.containedAt ?? (rank >= 2 ? now : null),
    resolvedAt: r.resolvedAt ?? (rank >= 3 ? now : null),
    closedAt: status === "closed" ? (r.status === "closed" ? r.closedAt : now) : null,
  }
}
