/**
 * The pool of long-lived parser workers behind `Email.parse`. Every parse runs in a
 * `node:worker_threads` Worker bounded by V8 `resourceLimits` (`Limits.maxHeapMb`) and a
 * wall-clock `Limits.timeoutMs`; workers are reused across messages instead of started per
 * message.
 *
 * Without configuration a process-wide pool is used (`defaultSize()` workers, started lazily,
 * never keeping the process alive when idle). Provide {@link layer} to size it or to scope it.
 *
 * @example
 * ```ts
 * import { Email, EmailPool } from "@riposte/email"
 *
 * const program = Effect.forEach(messages, (raw) => Email.analyze(raw), { concurrency: 64 })
 * // 64 fibers, at most 4 worker isolates; the pool's workers are terminated when the layer closes.
 * program.pipe(Effect.provide(EmailPool.layer({ size: 4 })))
 * ```
 */
import { existsSync } from "node:fs"
import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { Context, Effect, Layer, type Scope } from "effect"
import { EmailError } from "./EmailError.ts"
import { Pool, type PoolStats } from "./internal/Pool.ts"
import type { Limits } from "./Limits.ts"
import type { ParsedEmail } from "./ParsedEmail.ts"

export interface Options {
  /** Maximum number of worker isolates alive at once. Default {@link defaultSize}. */
  readonly size?: number
  /**
   * An idle worker is terminated after this many milliseconds (its isolate is released); the
   * next message starts a new one. `Infinity` keeps idle workers. Default 30,000.
   */
  readonly idleTimeoutMs?: number
}

/** Live counters of a pool: `size`, `workers`, `busy`, `queued`, `peakWorkers`, `spawned`. */
export type Stats = PoolStats

export interface EmailPoolShape {
  /**
   * Parses one message on a pooled worker. `bytes` must already be checked against
   * `limits.maxBytes` (`Email.parse` does); they are copied into the worker, never transferred.
   * Waiting for a free worker is not billed to `limits.timeoutMs`.
   */
  readonly parse: (bytes: Uint8Array, limits: Limits) => Effect.Effect<ParsedEmail, EmailError>
  readonly stats: () => Stats
}

/** Default pool size: one worker per core but one (the main thread's), between 1 and 16. */
export const defaultSize = (): number => Math.min(16, Math.max(1, availableParallelism() - 1))

const defaultIdleTimeoutMs = 30_000

// Sources run the .ts worker under Node's type stripping; the build ships dist/internal/worker.mjs.
// Both are resolved relative to this module, which sits at the package root in src/ and dist/.
const workerUrl = (): URL => {
  const ts = new URL("./internal/worker.ts", import.meta.url)
  return ts.protocol === "file:" && existsSync(fileURLToPath(ts))
    ? ts
    : new URL("./internal/worker.mjs", import.meta.url)
}

const resolve = (options: Options): ConstructorParameters<typeof Pool>[0] => {
  const size = options.size ?? defaultSize()
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs
  if (!Number.isInteger(size) || size < 1) throw new RangeError("EmailPool size must be an integer >= 1")
  if (Number.isNaN(idleTimeoutMs) || idleTimeoutMs < 0) {
    throw new RangeError("EmailPool idleTimeoutMs must be a non-negative number")
  }
  return { size, idleTimeoutMs, workerUrl }
}

const fromPool = (pool: Pool): EmailPoolShape => ({
  parse: (bytes, limits) =>
    Effect.callback<ParsedEmail, EmailError>((resume) => {
      const cancel = pool.submit(bytes, limits, (result) =>
        resume(
          result._tag === "Success"
            ? Effect.succeed(result.value)
            : Effect.fail(new EmailError({ reason: result.reason })),
        ),
      )
      // Interruption: a queued job is dropped; a job being parsed has its worker terminated
      // (awaited here), so an abandoned message never keeps parsing.
      return Effect.promise(cancel)
    }),
  stats: () => pool.stats(),
})

/**
 * The pool `Email.parse` uses. Defaults to a process-wide pool of {@link defaultSize} workers
 * that lives as long as the process (idle workers are unref'd and expire after 30 s).
 */
export const EmailPool: Context.Reference<EmailPoolShape> = Context.Reference<EmailPoolShape>(
  "@riposte/email/EmailPool",
  { defaultValue: () => fromPool(new Pool(resolve({}))) },
)

/**
 * A pool owned by the current scope: closing the scope terminates its workers (a job still
 * pending then fails with `WorkerCrashed`). Invalid options are defects (`RangeError`).
 *
 * @example
 * ```ts
 * const pool = yield* EmailPool.make({ size: 2 })
 * yield* Email.parse(raw).pipe(Effect.provideService(EmailPool.EmailPool, pool))
 * pool.stats().peakWorkers // <= 2
 * ```
 */
export const make = (options: Options = {}): Effect.Effect<EmailPoolShape, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => new Pool(resolve(options))),
    (pool) => Effect.promise(() => pool.close()),
  ).pipe(Effect.map(fromPool))

/**
 * Provides a scoped pool to `Email.parse`, `Email.analyze` and `Email.analyzeOrQuarantine`.
 *
 * @example
 * ```ts
 * Effect.provide(program, EmailPool.layer({ size: 4, idleTimeoutMs: 60_000 }))
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<never> => Layer.effect(EmailPool, make(options))
