/**
 * Durable `WorkflowEngine` layers: one embedded process over SQLite or Postgres
 * (`@riposte/workflow-sql`: one journal row per activity, parked runs held in the
 * database only), or several runners sharing Postgres (`effect/cluster`).
 *
 * Every layer provides `WorkflowEngine` (and the `SqlClient` it journals to);
 * register workflows with `Workflow.toLayer` on top of it.
 *
 * @since 0.1.0
 */
import { join } from "node:path"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@riposte/sql-sqlite"
import { GroupCommit, SqlWorkflowEngine } from "@riposte/workflow-sql"
import { type Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { ClusterWorkflowEngine, RunnerAddress, type ShardingConfig } from "effect/cluster"
import type { SocketServer } from "effect/socket"
import { SqlClient, type SqlError } from "effect/sql"
import { WorkflowEngine } from "effect/workflow"
import type { EngineInUse } from "./DurableError.ts"
import * as EngineLock from "./internal/EngineLock.ts"

/** Sharding settings that may be overridden; see `ShardingConfig` in `effect/cluster`. */
export type ShardingOptions = Partial<ShardingConfig.ShardingConfig["Service"]>

/**
 * `ShardingConfig.entityMaxIdleTime` of the cluster engines ({@link runner}): how long an idle
 * entity without its own setting stays in memory. effect/cluster's workflow and durable-clock
 * entities have their own, fixed 10 s.
 *
 * @since 0.1.0
 */
export const defaultEntityMaxIdleTime: Duration.Duration = Duration.minutes(1)

/**
 * Settings of {@link runner} and {@link client} so that the shards of a
 * runner killed with SIGKILL move to a live runner in well under 10 seconds
 * (effect/cluster's defaults take ~50 s):
 *
 * | field                        | default | here | why |
 * | ---------------------------- | ------- | ---- | --- |
 * | `runnerHealthCheckInterval`  | 1 min   | 1 s  | survivors ping the others every second; a dead one is marked unhealthy after its pings fail (5 retries, 0.5 s apart) |
 * | `refreshAssignmentsInterval` | 3 s     | 1 s  | runners re-read membership and take the freed shards within ~1 s |
 * | `entityMessagePollInterval`  | 10 s    | 1 s  | messages stored while no runner owned the shard are picked up within ~1 s |
 * | `shardLockRefreshInterval`   | 10 s    | 2 s  | held shard locks are refreshed every 2 s |
 * | `shardLockExpiration`        | 35 s    | 6 s  | a frozen runner (alive, not refreshing) loses its shards after 6 s; a killed one loses its Postgres advisory locks as soon as its session closes |
 *
 * Measured (2 runners + 1 client, Postgres 15, 2-core machine): SIGKILL of the
 * runner owning a parked workflow -> workflow finished on the survivor in
 * 0.4–7.3 s.
 *
 * The cost is a few more small queries per runner per second. Every runner and
 * client of one cluster must use the same values.
 *
 * @since 0.1.0
 */
export const failoverShardingConfig: ShardingOptions = {
  runnerHealthCheckInterval: Duration.seconds(1),
  refreshAssignmentsInterval: Duration.seconds(1),
  shardLockRefreshInterval: Duration.seconds(2),
  shardLockExpiration: Duration.seconds(6),
  entityMessagePollInterval: Duration.seconds(1),
}

/**
 * Settings of the single-process engines ({@link sqlite}, {@link postgres}); see
 * `SqlWorkflowEngine.Options`.
 *
 * @since 0.1.0
 */
export interface EngineOptions {
  /**
   * Parked runs woken at once (approvals released, clocks fired, runs recovered after a
   * restart) that may be in memory together; further wake-ups wait their turn. Default 1,000.
   */
  readonly maxWokenRuns?: number | undefined
  /** Longest sleep of the durable-clock scheduler between database reads. Default 1 minute. */
  readonly clockPollInterval?: Duration.Input | undefined
}

/**
 * Options of {@link sqlite}.
 *
 * @since 0.1.0
 */
export interface SqliteOptions extends EngineOptions {
  /** Directory of the database file, created if missing. Default `"./.riposte"`. */
  readonly directory?: string | undefined
  /** Database file name inside `directory`. Default `"riposte.db"`. */
  readonly filename?: string | undefined
  /** How long a statement waits for another process's lock. Default 5 s. */
  readonly busyTimeout?: Duration.Input | undefined
}

/**
 * Options of {@link postgres}.
 *
 * @since 0.1.0
 */
export interface PostgresOptions extends EngineOptions {
  /** Connection URL, e.g. `postgres://user@host:5432/db`. Prefer a `Redacted` value. */
  readonly url: Redacted.Redacted<string> | string
  /** Maximum pooled connections. Default: `@effect/sql-pg`'s default. */
  readonly maxConnections?: number | undefined
}

/**
 * Options of {@link runner}.
 *
 * @since 0.1.0
 */
export interface RunnerOptions {
  /** Connection URL, e.g. `postgres://user@host:5432/db`. Prefer a `Redacted` value. */
  readonly url: Redacted.Redacted<string> | string
  /** Maximum pooled connections. Default: `@effect/sql-pg`'s default. */
  readonly maxConnections?: number | undefined
  /** See {@link defaultEntityMaxIdleTime}. */
  readonly entityMaxIdleTime?: Duration.Input | undefined
  /** Further sharding overrides (applied last). */
  readonly shardingConfig?: ShardingOptions | undefined
  /** Host other runners and clients use to reach this runner. */
  readonly host: string
  /** Port this runner listens on and advertises. */
  readonly port: number
  /** Interface to listen on when it differs from `host`, e.g. `"0.0.0.0"`. */
  readonly listenHost?: string | undefined
}

/**
 * Options of {@link client}.
 *
 * @since 0.1.0
 */
export interface ClientOptions {
  readonly url: Redacted.Redacted<string> | string
  readonly maxConnections?: number | undefined
  /** Further sharding overrides (applied last); keep them equal to the runners'. */
  readonly shardingConfig?: ShardingOptions | undefined
}

type Durable<E> = Layer.Layer<WorkflowEngine.WorkflowEngine | SqlClient.SqlClient, E>

const pgLayer = (options: {
  readonly url: Redacted.Redacted<string> | string
  readonly maxConnections?: number | undefined
}) =>
  PgClient.layer({
    url: typeof options.url === "string" ? Redacted.make(options.url) : options.url,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  })

const idle = (entityMaxIdleTime: Duration.Input | undefined): ShardingOptions => ({
  entityMaxIdleTime: entityMaxIdleTime ?? defaultEntityMaxIdleTime,
})

const singleProcess = <E>(
  sql: Layer.Layer<SqlClient.SqlClient, E>,
  options: EngineOptions,
): Durable<E | SqlError.SqlError> =>
  Layer.provideMerge(
    Layer.effect(
      WorkflowEngine.WorkflowEngine,
      Effect.map(
        SqlWorkflowEngine.make({
          maxWokenRuns: options.maxWokenRuns,
          clockPollInterval: options.clockPollInterval,
        }),
        (made) => made.engine,
      ),
    ),
    sql,
  )

/**
 * An embedded durable engine journaling to a SQLite file (Node's built-in
 * `node:sqlite`, WAL, `synchronous = FULL`) through `@riposte/workflow-sql`;
 * concurrent transactions share one commit (`GroupCommit`). Only one engine at a time may run
 * on a file (a second would claim the same workflows): a lock file
 * `<database>.engine.lock` holding the owner's pid makes a second engine fail
 * with `EngineInUse` while the owner lives; a dead owner's lock is taken over.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Durable } from "@riposte/runtime"
 *
 * const engine = Durable.sqlite({ directory: "./.riposte" })
 * const app = MyWorkflowLayer.pipe(Layer.provide(engine))
 * ```
 *
 * @since 0.1.0
 */
export const sqlite = (
  options: SqliteOptions = {},
): Durable<SqlError.SqlError | Config.ConfigError | EngineInUse> => {
  const filename = join(options.directory ?? "./.riposte", options.filename ?? "riposte.db")
  // The lock is taken before the database is opened and held for the layer's lifetime.
  const sql = Layer.unwrap(
    Effect.as(
      EngineLock.acquire(`${filename}.engine.lock`),
      // Concurrent transactions (journal entries, case writes) share one commit: one fsync.
      GroupCommit.layer().pipe(
        Layer.provide(SqliteClient.layer({ filename, busyTimeout: options.busyTimeout })),
      ),
    ),
  )
  return singleProcess(sql, options)
}

/**
 * An embedded durable engine journaling to Postgres (`@effect/sql-pg`). The
 * `riposte_wf_*` tables are created on first use. Only one engine at a time may
 * run on a database: a session-level advisory lock, held on a connection kept for
 * the layer's lifetime, makes a second engine fail with `EngineInUse`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Durable } from "@riposte/runtime"
 *
 * const engine = Durable.postgres({ url: Redacted.make(process.env.DATABASE_URL ?? "") })
 * ```
 *
 * @since 0.1.0
 */
export const postgres = (
  options: PostgresOptions,
): Durable<SqlError.SqlError | Config.ConfigError | EngineInUse> =>
  singleProcess(
    // The engine starts only once this process holds the database's engine lock.
    Layer.tap(pgLayer(options), (context) =>
      EngineLock.acquirePostgres(Context.get(context, SqlClient.SqlClient)),
    ),
    options,
  )

/**
 * One runner of a multi-process cluster over Postgres: it owns a share of the
 * workflow executions and takes over those of runners that die (see
 * {@link failoverShardingConfig}). Runners talk to each other over TCP on
 * `host:port`; there is no shard manager, runners register in SQL and hold
 * Postgres advisory locks.
 *
 * @example
 * ```ts
 * import { Durable } from "@riposte/runtime"
 *
 * const engine = Durable.runner({ url, host: "10.0.0.5", port: 34431 })
 * ```
 *
 * @since 0.1.0
 */
export const runner = (
  options: RunnerOptions,
): Durable<SqlError.SqlError | Config.ConfigError | SocketServer.SocketServerError> =>
  ClusterWorkflowEngine.layer.pipe(
    Layer.provide(
      NodeClusterSocket.layer({
        storage: "sql",
        shardingConfig: {
          ...failoverShardingConfig,
          ...idle(options.entityMaxIdleTime),
          runnerAddress: Option.some(RunnerAddress.make(options.host, options.port)),
          runnerListenAddress: Option.some(
            RunnerAddress.make(options.listenHost ?? options.host, options.port),
          ),
          ...options.shardingConfig,
        },
      }),
    ),
    Layer.provideMerge(pgLayer(options)),
  )

/**
 * A client of a multi-process cluster: starts workflows, completes deferreds
 * and polls results, but runs no workflow itself (`clientOnly`). Use it in API
 * processes next to {@link runner}s.
 *
 * @example
 * ```ts
 * import { Durable } from "@riposte/runtime"
 *
 * const engine = Durable.client({ url })
 * ```
 *
 * @since 0.1.0
 */
export const client = (options: ClientOptions): Durable<SqlError.SqlError | Config.ConfigError> =>
  ClusterWorkflowEngine.layer.pipe(
    Layer.provide(
      NodeClusterSocket.layer({
        storage: "sql",
        clientOnly: true,
        shardingConfig: { ...failoverShardingConfig, ...options.shardingConfig },
      }),
    ),
    Layer.provideMerge(pgLayer(options)),
  )
