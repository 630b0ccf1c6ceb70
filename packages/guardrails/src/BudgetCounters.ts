/**
 * Durable blast-radius counters. A reservation adds `amount` to one counter only if the result
 * stays within `limit`, in one conditional statement, so two runners can never both take the
 * last slot. On a durable engine the guard activity runs in the journal's transaction
 * (`ClusterSchema.WithTransaction`): a reservation commits exactly once, with the journal entry.
 *
 * @example
 * ```ts
 * const counters = yield* BudgetCounters.BudgetCounters
 * const ok = yield* counters.reserve({ windowStart: 0, scopeKey: "run:r1", category: "host" }, 1, 5)
 * ```
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"

/** The counter table could not be read or written. */
export class CounterStorageError extends Schema.TaggedError<CounterStorageError>()("CounterStorageError", {
  detail: Schema.String,
}) {}

/** One counter: a window (0 = unbounded, e.g. one run), a scope (run, tenant…) and a category. */
export interface CounterKey {
  readonly windowStart: number
  readonly scopeKey: string
  readonly category: string
}

export interface BudgetCountersShape {
  /** Adds `amount` if `count + amount <= limit`; `true` when reserved. */
  readonly reserve: (
    key: CounterKey,
    amount: number,
    limit: number,
  ) => Effect.Effect<boolean, CounterStorageError>
  /** Gives back a reservation (used when a later counter of the same call refuses). */
  readonly release: (key: CounterKey, amount: number) => Effect.Effect<void, CounterStorageError>
  /** The current count (0 when never used). */
  readonly get: (key: CounterKey) => Effect.Effect<number, CounterStorageError>
}

export class BudgetCounters extends Context.Service<BudgetCounters, BudgetCountersShape>()(
  "@riposte/guardrails/BudgetCounters",
) {}

const keyText = (k: CounterKey) => JSON.stringify([k.windowStart, k.scopeKey, k.category])

/**
 * Counters in memory: one process only (tests, single in-memory engine).
 *
 * @example
 * ```ts
 * Guardrails.layer({ budgets }).pipe(Layer.provide(BudgetCounters.layerMemory))
 * ```
 */
export const layerMemory: Layer.Layer<BudgetCounters> = Layer.sync(BudgetCounters, () => {
  const counts = new Map<string, number>()
  return BudgetCounters.of({
    reserve: (key, amount, limit) =>
      Effect.sync(() => {
        const current = counts.get(keyText(key)) ?? 0
        if (current + amount > limit) return false
        counts.set(keyText(key), current + amount)
        return true
      }),
    release: (key, amount) =>
      Effect.sync(() => void counts.set(keyText(key), Math.max(0, (counts.get(keyText(key)) ?? 0) - amount))),
    get: (key) => Effect.sync(() => counts.get(keyText(key)) ?? 0),
  })
})

const storageError = (e: unknown) => new CounterStorageError({ detail: String(e) })

/**
 * Counters in `riposte_budget_counters` on the current `SqlClient` (the engine's, so the
 * guard activity's transaction covers them); run {@link Migrations.migrate} first.
 *
 * @example
 * ```ts
 * Guardrails.layer({ budgets }).pipe(Layer.provide(BudgetCounters.layerSql), Layer.provide(Durable.postgres({ url })))
 * ```
 */
export const layerSql: Layer.Layer<BudgetCounters, never, SqlClient.SqlClient> = Layer.effect(
  BudgetCounters,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return BudgetCounters.of({
      reserve: (key, amount, limit) =>
        amount > limit
          ? Effect.succeed(false)
          : // The conflict branch re-checks the limit against the committed row (Postgres waits
            // for a concurrent writer of the same key and re-evaluates the WHERE clause).
            sql<{ count: number | string }>`insert into riposte_budget_counters
                (window_start, scope_key, category, count)
              values (${key.windowStart}, ${key.scopeKey}, ${key.category}, ${amount})
              on conflict (window_start, scope_key, category) do update
                set count = riposte_budget_counters.count + excluded.count
                where riposte_budget_counters.count + excluded.count <= ${limit}
              returning count`.pipe(
              Effect.map((rows) => rows.length > 0),
              Effect.mapError(storageError),
            ),
      release: (key, amount) =>
        sql`update riposte_budget_counters set count = count - ${amount}
            where window_start = ${key.windowStart} and scope_key = ${key.scopeKey}
              and category = ${key.category} and count >= ${amount}`.pipe(
          Effect.asVoid,
          Effect.mapError(storageError),
        ),
      get: (key) =>
        sql<{ count: number | string }>`select count from riposte_budget_counters
            where window_start = ${key.windowStart} and scope_key = ${key.scopeKey}
              and category = ${key.category}`.pipe(
          Effect.map((rows) => Number(rows[0]?.count ?? 0)),
          Effect.mapError(storageError),
        ),
    })
  }),
)
