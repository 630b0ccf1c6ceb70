/**
 * Complete durable runtimes for `Engine.layer`: a durable `WorkflowEngine`, the `SqlClient` it
 * journals to, a `CaseStore` over that SAME client (migrated at startup) and the kill switch.
 *
 * Because the case store and the journal share one client, a step's case writes (activities
 * annotated `ClusterSchema.WithTransaction` by the compiler) commit in the same transaction as
 * the step's journal entry: exactly once, even across a SIGKILL.
 *
 * @example
 * ```ts
 * import { Engine } from "@riposte/core"
 * import { Layer } from "effect"
 * import { Runtime } from "@riposte/runtime"
 *
 * const app = Engine.layer({ playbooks: [phishing] }).pipe(
 *   Layer.provide(connectors),
 *   Layer.provideMerge(Runtime.sqlite({ directory: "./.riposte" })),
 * )
 * ```
 *
 * @since 0.1.0
 */
import { SqlCaseStore } from "@riposte/case-store"
import type { CaseStore } from "@riposte/core"
import { Effect, Layer } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import type { WorkflowEngine } from "effect/workflow"
import * as Durable from "./Durable.ts"
import * as KillSwitch from "./KillSwitch.ts"

/** What every runtime layer provides (plus an `Engine.Admission` that honours the kill switch). */
export type Services =
  | WorkflowEngine.WorkflowEngine
  | SqlClient.SqlClient
  | CaseStore.CaseStore
  | KillSwitch.KillSwitch

export type Dialect = "sqlite" | "postgres"

/**
 * Adds the case store (migrated first) and the kill switch over the durable layer's own
 * `SqlClient`. Workflows are registered later (by `Engine.layer`), so no resumed run can touch a
 * case table before the migrations ran.
 */
export const withStores = <E>(
  durable: Layer.Layer<WorkflowEngine.WorkflowEngine | SqlClient.SqlClient, E>,
  dialect: Dialect,
): Layer.Layer<Services, E | SqlError.SqlError> => {
  const migrate = Layer.effectDiscard(
    SqlCaseStore.migrate({ dialect }).pipe(
      // Several processes may start at once on Postgres; a lost `create if not exists` race is
      // retried (the migrations themselves are serialised by an advisory lock).
      Effect.retry({ times: 3 }),
      Effect.mapError((e) => e as SqlError.SqlError),
    ),
  )
  const stores = Layer.mergeAll(SqlCaseStore.layer({ dialect }), KillSwitch.layer).pipe(
    Layer.provide(migrate),
  )
  return stores.pipe(Layer.provideMerge(durable))
}

/**
 * One embedded process over SQLite (`node:sqlite`, WAL, `synchronous = FULL`); the database is
 * `./.riposte/riposte.db` unless `directory`/`filename` say otherwise. See `Durable.sqlite`.
 *
 * @example
 * ```ts
 * import { Runtime } from "@riposte/runtime"
 *
 * const runtime = Runtime.sqlite({ directory: "./.riposte" })
 * ```
 */
export const sqlite = (options: Durable.SqliteOptions = {}) => withStores(Durable.sqlite(options), "sqlite")

/**
 * One process over Postgres (`@effect/sql-pg`). See `Durable.postgres`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Runtime } from "@riposte/runtime"
 *
 * const runtime = Runtime.postgres({ url: Redacted.make(process.env.DATABASE_URL ?? "") })
 * ```
 */
export const postgres = (options: Durable.PostgresOptions) =>
  withStores(Durable.postgres(options), "postgres")

/**
 * One runner of a multi-process cluster over Postgres. See `Durable.runner`.
 *
 * @example
 * ```ts
 * import { Runtime } from "@riposte/runtime"
 *
 * const runtime = Runtime.runner({ url, host: "10.0.0.5", port: 34431 })
 * ```
 */
export const runner = (options: Durable.RunnerOptions) => withStores(Durable.runner(options), "postgres")

/**
 * A client of a multi-process cluster (API processes): starts runs, decides approvals, reads
 * cases; runs no workflow. See `Durable.client`.
 *
 * @example
 * ```ts
 * import { Runtime } from "@riposte/runtime"
 *
 * const runtime = Runtime.client({ url })
 * ```
 */
export const client = (options: Durable.ClientOptions) => withStores(Durable.client(options), "postgres")
