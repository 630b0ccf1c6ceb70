import { createHash } from "node:crypto"
import { Clock, Effect } from "effect"
import * as Analysis from "./Analysis.ts"
import { EmailError, type Reason } from "./EmailError.ts"
import { EmailPool } from "./EmailPool.ts"
import * as Limits from "./Limits.ts"
import type { QuarantineRecord, RawStore } from "./Quarantine.ts"

/** Raw input: bytes as received, or a string (encoded as UTF-8). */
export type Raw = Uint8Array | string

const toBytes = (raw: Raw): Uint8Array => (typeof raw === "string" ? Buffer.from(raw, "utf8") : raw)

const fail = (reason: Reason) => Effect.fail(new EmailError({ reason }))

/**
 * Parses a raw message on a pooled `node:worker_threads` Worker (see `EmailPool`) bounded by heap
 * `resourceLimits` and a wall-clock timeout. Every bound hit, crash or timeout is a typed
 * `EmailError`; a worker that crashes or times out is terminated and replaced.
 *
 * @example
 * ```ts
 * const parsed = yield* Email.parse(raw, { maxBytes: 10 * 1024 * 1024 })
 * parsed.subject // decoded, any charset
 * ```
 */
export const parse = Effect.fn("Email.parse")(function* (raw: Raw, limits?: Partial<Limits.Limits>) {
  const bounds = Limits.make(limits)
  const bytes = toBytes(raw)
  // Checked here too so an oversized message is never copied into a worker.
  if (bytes.length > bounds.maxBytes) {
    return yield* fail({ _tag: "TooLarge", size: bytes.length, limit: bounds.maxBytes })
  }
  const pool = yield* EmailPool
  return yield* pool.parse(bytes, bounds)
})

/**
 * Parses (in a bounded worker) and derives signals and normalised indicators.
 *
 * @example
 * ```ts
 * const analysis = yield* Email.analyze(raw)
 * analysis.indicators.filter((i) => i.type === "url")
 * ```
 */
export const analyze = Effect.fn("Email.analyze")(function* (raw: Raw, limits?: Partial<Limits.Limits>) {
  const parsed = yield* parse(raw, limits)
  return Analysis.fromParsed(parsed)
})

/** Outcome of {@link analyzeOrQuarantine}. */
export type Outcome =
  | { readonly _tag: "Analyzed"; readonly analysis: Analysis.Analysis }
  | { readonly _tag: "Quarantined"; readonly record: QuarantineRecord }

export interface QuarantineOptions<E, R> {
  /** Where the raw bytes go; the record keeps the returned reference. */
  readonly store: RawStore
  /** Persists the record (case store, queue, ...). */
  readonly quarantine: (record: QuarantineRecord) => Effect.Effect<void, E, R>
  readonly limits?: Partial<Limits.Limits>
}

/**
 * Analyses a message; when it cannot be analysed (any `EmailError`), stores the raw bytes in the
 * caller's store and hands a record `{ sha256, size, reason, receivedAt, rawRef }` to `quarantine`.
 *
 * @example
 * ```ts
 * const q = Quarantine.memory()
 * const outcome = yield* Email.analyzeOrQuarantine(raw, { store: q.store, quarantine: q.quarantine })
 * if (outcome._tag === "Quarantined") yield* Effect.log(outcome.record.reason._tag)
 * ```
 */
export const analyzeOrQuarantine = <E = never, R = never>(
  raw: Raw,
  options: QuarantineOptions<E, R>,
): Effect.Effect<Outcome, E, R> =>
  analyze(raw, options.limits).pipe(
    Effect.map((analysis): Outcome => ({ _tag: "Analyzed", analysis })),
    Effect.catchTag("EmailError", (error) =>
      Effect.gen(function* () {
        const bytes = toBytes(raw)
        const sha256 = createHash("sha256").update(bytes).digest("hex")
        const now = yield* Clock.currentTimeMillis
        const rawRef = yield* options.store.put(sha256, bytes)
        const record: QuarantineRecord = {
          sha256,
          size: bytes.length,
          reason: error.reason,
          receivedAt: new Date(now).toISOString(),
          rawRef,
        }
        yield* options.quarantine(record)
        return { _tag: "Quarantined", record } as Outcome
      }),
    ),
    Effect.withSpan("Email.analyzeOrQuarantine"),
  )
