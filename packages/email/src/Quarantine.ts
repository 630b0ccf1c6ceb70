import { Effect, Schema } from "effect"
import { Reason } from "./EmailError.ts"

/**
 * What is kept about a message that could not be analysed. The raw bytes are not in the
 * record: they live in the caller's {@link RawStore}, referenced by `rawRef`.
 */
export const QuarantineRecord = Schema.Struct({
  sha256: Schema.String,
  size: Schema.Number,
  reason: Reason,
  /** ISO 8601, from the Effect `Clock` (so `TestClock` drives it in tests). */
  receivedAt: Schema.String,
  rawRef: Schema.String,
})
export type QuarantineRecord = typeof QuarantineRecord.Type

/** The caller's blob store for quarantined raw messages. Returns a reference to the stored bytes. */
export interface RawStore {
  readonly put: (sha256: string, raw: Uint8Array) => Effect.Effect<string>
}

/** An in-memory store and record list, for tests and examples. */
export interface MemoryQuarantine {
  readonly store: RawStore
  readonly records: ReadonlyArray<QuarantineRecord>
  readonly quarantine: (record: QuarantineRecord) => Effect.Effect<void>
  readonly get: (rawRef: string) => Uint8Array | undefined
}

/**
 * Creates an in-memory quarantine: `store` keeps the bytes keyed `mem:<sha256>`, `quarantine`
 * appends the record.
 *
 * @example
 * ```ts
 * const q = Quarantine.memory()
 * yield* Email.analyzeOrQuarantine(raw, { store: q.store, quarantine: q.quarantine })
 * q.records // [{ sha256, size, reason, receivedAt, rawRef }]
 * ```
 */
export const memory = (): MemoryQuarantine => {
  const blobs = new Map<string, Uint8Array>()
  const records: Array<QuarantineRecord> = []
  return {
    store: {
      put: (sha256, raw) =>
        Effect.sync(() => {
          const ref = `mem:${sha256}`
          blobs.set(ref, Uint8Array.from(raw))
          return ref
        }),
    },
    records,
    quarantine: (record) => Effect.sync(() => void records.push(record)),
    get: (ref) => blobs.get(ref),
  }
}
