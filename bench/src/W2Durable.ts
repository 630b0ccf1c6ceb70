/**
 * W2 durable step cost: the 12-step playbook on SQLite and on Postgres against a raw single-row
 * INSERT commit on the same database, sequential and at 16 concurrent runs; DBOS Transact
 * running the same 12 steps on the same Postgres.
 */
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import { PgClient } from "@effect/sql-pg"
import { Engine } from "@riposte/core"
import { Durable, Runtime } from "@riposte/runtime"
import { SqliteClient } from "@riposte/sql-sqlite"
import { Duration, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { ClusterWorkflowEngine, SingleRunner } from "effect/cluster"
import type { SqlClient } from "effect/sql"
import { freshPostgres, pgStats, rawPostgresCommit, rawSqliteCommit, sqliteCounter, tempDir } from "./Db.ts"
import * as Dbos from "./Dbos.ts"
import { NoopLive, STEPS, Twelve, TwelveLayer, twelve } from "./Fixtures.ts"
import { type Row, row, type WorkloadResult } from "./Report.ts"
import { median, since } from "./Stats.ts"

/** Activities one DSL run journals: open-case + 12 calls (each with its case rows) + finish. */
const DSL_ACTIVITIES = 1 + STEPS + 1

/**
 * The engine Riposte ran on before @riposte/workflow-sql: effect/cluster's single runner with
 * SQL message storage, over the same kind of database (same-run reference, sequential only).
 */
const clusterEngine = (sql: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  ClusterWorkflowEngine.layer.pipe(
    Layer.provide(
      SingleRunner.layer({
        runnerStorage: "sql",
        shardingConfig: { entityMessagePollInterval: Duration.seconds(1) },
      }),
    ),
    Layer.provide(NodeCrypto.layerDigest),
    Layer.provideMerge(sql),
  )

interface Timings {
  readonly runP50: number
  readonly sequentialPerSecond: number
  readonly concurrentPerSecond: number
}

type Runner = (id: string) => Effect.Effect<unknown, unknown, any>

const time = (
  runtime: ManagedRuntime.ManagedRuntime<any, any>,
  runOne: Runner,
  options: { readonly sequential: number; readonly concurrent: number; readonly repetitions: number },
  label: string,
): Promise<Timings> =>
  runtime.runPromise(
    Effect.gen(function* () {
      let seq = 0
      const id = () => `${label}-${process.pid}-${seq++}`
      for (let i = 0; i < 5; i++) yield* runOne(id())
      const p50s: Array<number> = []
      const seqRates: Array<number> = []
      const concRates: Array<number> = []
      for (let r = 0; r < options.repetitions; r++) {
        const times: Array<number> = []
        const start = performance.now()
        for (let i = 0; i < options.sequential; i++) {
          const t = performance.now()
          yield* runOne(id())
          times.push(since(t))
        }
        seqRates.push(options.sequential / (since(start) / 1000))
        p50s.push(median(times))
        const c = performance.now()
        yield* Effect.forEach(
          Array.from({ length: options.concurrent }, () => id()),
          (i) => runOne(i),
          { concurrency: 16, discard: true },
        )
        concRates.push(options.concurrent / (since(c) / 1000))
      }
      return {
        runP50: median(p50s),
        sequentialPerSecond: median(seqRates),
        concurrentPerSecond: median(concRates),
      }
    }) as Effect.Effect<Timings, unknown, any>,
  )

const dslRuntime = (durable: Layer.Layer<any, any, never>) =>
  ManagedRuntime.make(
    Engine.layer({ playbooks: [twelve] }).pipe(Layer.provide(NoopLive), Layer.provideMerge(durable)),
  )

const runDsl: Runner = (id) =>
  Effect.gen(function* () {
    const engine = yield* Engine.Engine
    return yield* engine.run(twelve, { id })
  })
const runWorkflow: Runner = (id) => Twelve.execute({ id })

export const run = async (quick: boolean): Promise<WorkloadResult> => {
  const started = performance.now()
  const opts = { sequential: quick ? 10 : 30, concurrent: quick ? 32 : 96, repetitions: 3 }
  const clusterOpts = { sequential: 10, concurrent: 16, repetitions: 1 }
  const rows: Array<Row> = []
  const profile: Record<string, number | string> = {}
  const W = "W2 durable"

  // --- SQLite -------------------------------------------------------------------------------
  sqliteCounter.install()
  const dir = tempDir("w2")
  try {
    const raw = rawSqliteCommit(dir.path)
    const wfRt = ManagedRuntime.make(
      TwelveLayer.pipe(Layer.provideMerge(Durable.sqlite({ directory: dir.path, filename: "wf.db" }))),
    )
    const wf = await time(wfRt, runWorkflow, opts, "wf")
    await wfRt.dispose()
    const dslRt = dslRuntime(Runtime.sqlite({ directory: dir.path, filename: "dsl.db" }))
    const dsl = await time(dslRt, runDsl, opts, "dsl")
    // Profile: statements and commits per journaled activity over 10 sequential runs.
    const before = sqliteCounter.snapshot()
    await dslRt.runPromise(
      Effect.gen(function* () {
        for (let i = 0; i < 10; i++) yield* runDsl(`profile-${i}`)
      }),
    )
    const counted = sqliteCounter.diff(before)
    await dslRt.dispose()
    const clusterRt = dslRuntime(
      Runtime.withStores(clusterEngine(SqliteClient.layer({ filename: `${dir.path}/cluster.db` })), "sqlite"),
    )
    const cluster = await time(clusterRt, runDsl, clusterOpts, "cluster")
    await clusterRt.dispose()
    profile["sqlite: activities per DSL run"] = DSL_ACTIVITIES
    profile["sqlite: statements per activity"] = counted.statements / 10 / DSL_ACTIVITIES
    profile["sqlite: writes per activity"] = counted.writes / 10 / DSL_ACTIVITIES
    profile["sqlite: commits per activity"] = counted.commits / 10 / DSL_ACTIVITIES
    profile["sqlite: commits per DSL step"] = counted.commits / 10 / STEPS
    rows.push(
      row(W, "SQLite raw single-row INSERT commit p50", raw, "ms"),
      row(W, "SQLite effect/workflow 12 activities, per step", wf.runP50 / STEPS, "ms/step", {
        baseline: { name: "raw commit", value: raw },
      }),
      row(W, "SQLite Riposte DSL, per step (p50 run / 12)", dsl.runP50 / STEPS, "ms/step", {
        baseline: { name: "raw commit", value: raw },
        target: { goal: "≤ 1.5× raw commit", met: dsl.runP50 / STEPS <= 1.5 * raw },
      }),
      row(
        W,
        "SQLite Riposte DSL on effect/cluster (previous engine), per step",
        cluster.runP50 / STEPS,
        "ms/step",
        {
          baseline: { name: "raw commit", value: raw },
        },
      ),
      row(W, "SQLite Riposte DSL sequential", dsl.sequentialPerSecond, "wf/s", {
        baseline: { name: "effect/workflow", value: wf.sequentialPerSecond },
      }),
      row(W, "SQLite Riposte DSL, 16 in flight", dsl.concurrentPerSecond, "wf/s", {
        baseline: { name: "effect/workflow", value: wf.concurrentPerSecond },
      }),
    )
  } finally {
    dir.remove()
  }

  // --- Postgres -----------------------------------------------------------------------------
  const db = await freshPostgres("w2")
  const dbosDb = await freshPostgres("w2dbos")
  try {
    const raw = await rawPostgresCommit(db.url)
    const wfRt = ManagedRuntime.make(TwelveLayer.pipe(Layer.provideMerge(Durable.postgres({ url: db.url }))))
    const wf = await time(wfRt, runWorkflow, opts, "wf")
    await wfRt.dispose()
    const dslRt = dslRuntime(Runtime.postgres({ url: db.url }))
    const dsl = await time(dslRt, runDsl, opts, "dsl")
    await dslRt.dispose()

    // Profile: commits per activity from pg_stat_database (flushed when the sessions close):
    // an engine started and stopped with no run, then one that runs 20 runs.
    const s0 = await pgStats(db.name)
    const idleRt = dslRuntime(Runtime.postgres({ url: db.url }))
    await idleRt.runPromise(Effect.void)
    await idleRt.dispose()
    const s1 = await pgStats(db.name)
    const profRt = dslRuntime(Runtime.postgres({ url: db.url }))
    await profRt.runPromise(
      Effect.gen(function* () {
        for (let i = 0; i < 20; i++) yield* runDsl(`profile-${i}`)
      }),
    )
    await profRt.dispose()
    const s2 = await pgStats(db.name)
    const commits = s2.commits - s1.commits - (s1.commits - s0.commits)
    const written = s2.rows - s1.rows - (s1.rows - s0.rows)
    profile["postgres: commits per activity"] = commits / 20 / DSL_ACTIVITIES
    profile["postgres: commits per DSL step"] = commits / 20 / STEPS
    profile["postgres: rows written per activity"] = written / 20 / DSL_ACTIVITIES

    const clusterRt = dslRuntime(
      Runtime.withStores(clusterEngine(PgClient.layer({ url: Redacted.make(db.url) })), "postgres"),
    )
    const cluster = await time(clusterRt, runDsl, clusterOpts, "cluster")
    await clusterRt.dispose()

    const dbos = await Dbos.measure(dbosDb.url, opts)
    rows.push(
      row(W, "Postgres raw single-row INSERT commit p50 (pg)", raw, "ms"),
      row(W, "Postgres effect/workflow 12 activities, per step", wf.runP50 / STEPS, "ms/step", {
        baseline: { name: "raw commit", value: raw },
      }),
      row(W, "Postgres Riposte DSL, per step (p50 run / 12)", dsl.runP50 / STEPS, "ms/step", {
        baseline: { name: "raw commit", value: raw },
        target: { goal: "≤ 1.5× raw commit", met: dsl.runP50 / STEPS <= 1.5 * raw },
      }),
      row(
        W,
        "Postgres Riposte DSL on effect/cluster (previous engine), per step",
        cluster.runP50 / STEPS,
        "ms/step",
        {
          baseline: { name: "raw commit", value: raw },
        },
      ),
      row(W, "DBOS 12 steps, per step (p50 run / 12)", dbos.runP50 / STEPS, "ms/step", {
        baseline: { name: "raw commit", value: raw },
      }),
      row(W, "Postgres Riposte DSL sequential", dsl.sequentialPerSecond, "wf/s", {
        baseline: { name: "DBOS", value: dbos.sequentialPerSecond },
        target: { goal: "≥ DBOS wf/s", met: dsl.sequentialPerSecond >= dbos.sequentialPerSecond },
      }),
      row(W, "Postgres Riposte DSL, 16 in flight", dsl.concurrentPerSecond, "wf/s", {
        baseline: { name: "DBOS", value: dbos.concurrentPerSecond },
        target: { goal: "≥ DBOS wf/s", met: dsl.concurrentPerSecond >= dbos.concurrentPerSecond },
      }),
      row(W, "Postgres effect/workflow, 16 in flight", wf.concurrentPerSecond, "wf/s", {
        baseline: { name: "DBOS", value: dbos.concurrentPerSecond },
      }),
    )
  } finally {
    await db.drop()
    await dbosDb.drop()
  }
  return {
    workload: "W2",
    title: "durable step cost vs raw commit and DBOS",
    size: { steps: STEPS, ...opts },
    rows,
    profile,
    seconds: since(started) / 1000,
  }
}
