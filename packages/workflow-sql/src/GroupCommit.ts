/**
 * Group commit for an Effect `SqlClient`: concurrent top-level transactions share one `COMMIT`
 * (one fsync on SQLite): callers' effects run one after the other inside a shared transaction.
 * When one of them fails, the shared transaction rolls back, that caller gets its error and the
 * others run again in the next shared transaction. `withTransaction` returns once the
 * transaction that holds the caller's writes committed, as before.
 *
 * Built for a single-connection client (SQLite), where transactions are serialised anyway and
 * every commit pays a synchronous fsync: a burst of N small transactions costs one fsync instead
 * of N. Statements outside `withTransaction` are not affected.
 *
 * Gotchas: a caller's effect runs on the committer's fiber (with the caller's services), so it is
 * not interrupted by its caller once its batch started. It may run twice (when another caller of
 * its batch failed): keep transactions free of effects outside the database, or idempotent.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { SqliteClient } from "@riposte/sql-sqlite"
 * import { GroupCommit } from "@riposte/workflow-sql"
 *
 * const Sql = GroupCommit.layer().pipe(Layer.provide(SqliteClient.layer({ filename: "app.db" })))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Deferred, Effect, Exit, Layer, type Scope } from "effect"
import { SqlClient, type SqlError } from "effect/sql"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Most caller transactions in one shared transaction. Default 256. */
  readonly maxBatch?: number | undefined
}

/** The shared transaction is rolled back because one caller's effect failed. */
const rolledBack = { _tag: "GroupCommit/RolledBack" } as const

interface Item {
  readonly effect: Effect.Effect<unknown, unknown>
  readonly services: Context.Context<never>
  readonly done: Deferred.Deferred<unknown, unknown>
  started: boolean
}

/**
 * Wraps `client` so that its top-level transactions are group-committed. The wrapper is the same
 * client in every other respect (same connection, same transaction service).
 *
 * @since 0.1.0
 */
export const make = (
  client: SqlClient.SqlClient,
  options: Options = {},
): Effect.Effect<SqlClient.SqlClient, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const services = yield* Effect.context<never>()
    const maxBatch = Math.max(1, options.maxBatch ?? 256)
    const queue: Array<Item> = []
    let flushing = false

    /** One caller's effect on the committer's fiber, inside the shared transaction. */
    const inShared = (item: Item) =>
      Effect.updateContext(item.effect, (shared: Context.Context<never>) =>
        // The caller's services, but the shared transaction's connection and bookkeeping.
        Context.merge(item.services, shared),
      )

    const flush = Effect.gen(function* () {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch)
        for (const item of batch) item.started = true
        const exits: Array<Exit.Exit<unknown, unknown>> = []
        let failedAt = -1
        // No savepoint per caller: a nested transaction costs more CPU than the statements of a
        // typical caller. When one caller's effect fails, the shared transaction rolls back; that
        // caller gets its failure, the others are queued again (their effects run a second time).
        const committed = yield* Effect.exit(
          client.withTransaction(
            Effect.forEach(
              batch,
              (item, i) =>
                Effect.flatMap(Effect.exit(inShared(item)), (exit) => {
                  exits.push(exit)
                  if (Exit.isSuccess(exit)) return Effect.void
                  failedAt = i
                  return Effect.fail(rolledBack)
                }),
              { discard: true },
            ),
          ),
        )
        if (Exit.isSuccess(committed)) {
          for (let i = 0; i < batch.length; i++) Deferred.doneUnsafe(batch[i]!.done, exits[i]!)
        } else if (failedAt >= 0) {
          Deferred.doneUnsafe(batch[failedAt]!.done, exits[failedAt]!)
          queue.unshift(...batch.filter((_, i) => i !== failedAt))
        } else {
          // The shared COMMIT failed: nothing of this batch is stored; every caller gets the error.
          for (const item of batch) Deferred.doneUnsafe(item.done, Exit.failCause(committed.cause))
        }
      }
    }).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          flushing = false
          if (queue.length > 0) kick()
        }),
      ),
    )

    const kick = () => {
      if (flushing) return
      flushing = true
      Effect.runForkWith(services)(Effect.forkIn(flush, scope))
    }

    const withTransaction = <R, E, A>(
      effect: Effect.Effect<A, E, R>,
    ): Effect.Effect<A, E | SqlError.SqlError, R> =>
      Effect.withFiber((fiber) => {
        // Already inside a transaction of this client: a plain nested transaction (savepoint).
        if (Context.getOption(fiber.context, client.transactionService)._tag === "Some")
          return client.withTransaction(effect)
        const item: Item = {
          effect: effect as Effect.Effect<unknown, unknown>,
          services: fiber.context as Context.Context<never>,
          done: Deferred.makeUnsafe(),
          started: false,
        }
        queue.push(item)
        kick()
        return Deferred.await(item.done).pipe(
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              // Not started yet: drop it. Started: it commits or fails with its batch.
              if (!item.started) {
                const at = queue.indexOf(item)
                if (at >= 0) queue.splice(at, 1)
              }
            }),
          ),
        ) as Effect.Effect<A, E | SqlError.SqlError, R>
      })

    // Same callable client (tagged template), same methods, group-committed transactions.
    const wrapped = Object.assign(
      (...args: Array<unknown>) => (client as unknown as (...a: Array<unknown>) => unknown)(...args),
      client,
      { withTransaction },
    ) as SqlClient.SqlClient
    return wrapped
  })

/**
 * Replaces the `SqlClient` in context with its group-committing wrapper.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<SqlClient.SqlClient, never, SqlClient.SqlClient> =>
  Layer.effect(
    SqlClient.SqlClient,
    Effect.gen(function* () {
      return yield* make(yield* SqlClient.SqlClient, options)
    }),
  )
