/**
 * W5 parked runs: runs parked at an approval gate on durable SQLite. Process memory per parked
 * run (the engine drops a run from memory when it parks), database bytes per parked run, idle
 * queries per second; then every approval released: approvals per second (`decide()` returned)
 * and wake-up latency (decision returned → the next step's connector call ran).
 */
import { statSync } from "node:fs"
import { join } from "node:path"
import { CaseStore, Connector, Engine, playbook } from "@riposte/core"
import { Durable, Runtime } from "@riposte/runtime"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { Activity, DurableDeferred, Workflow } from "effect/workflow"
import { sqliteCounter, tempDir } from "./Db.ts"
import { row, type WorkloadResult } from "./Report.ts"
import { heapAfterGc, quantile, since, sleep } from "./Stats.ts"

/** performance.now() when the step after the gate ran, per run id (trigger id). */
const woke = new Map<string, number>()
const After = Connector.make("bench-after", {
  version: "1",
  actions: {
    note: Connector.action({
      input: Schema.Struct({ id: Schema.String }),
      output: Schema.Void,
      kind: "read",
    }),
  },
})
const AfterLive = Connector.layer(After, {
  note: ({ id }) => Effect.sync(() => void woke.set(id, performance.now())),
})

const parked = playbook("bench-parked", { version: "1" })
  .trigger(Schema.Struct({ id: Schema.String }), { idempotencyKey: (i) => i.id })
  .approve("ok", { roles: ["lead"], timeout: "7 days", onTimeout: "deny", summary: () => "approve?" })
  .enrich("after", (ctx) => ({ n: After.note({ id: ctx.trigger.id }) }))

const count = (sql: SqlClient.SqlClient, state: string) =>
  Effect.map(
    sql<{ n: number }>`SELECT COUNT(*) AS n FROM riposte_wf_executions WHERE state = ${state}`,
    (rows) => Number(rows[0]?.n ?? 0),
  )

/**
 * Same-run baseline: the same shape written by hand as an effect/workflow on the same durable
 * engine (`Durable.sqlite`, no case store): an activity, a DurableDeferred, an activity.
 */
const gateWoke = new Map<string, number>()
const Release = DurableDeferred.make("release", { success: Schema.Boolean })
const Gate = Workflow.make("BenchGate", {
  payload: { id: Schema.String },
  success: Schema.Boolean,
  idempotencyKey: (p) => p.id,
})
const GateLayer = Gate.toLayer(
  Effect.fnUntraced(function* ({ id }) {
    yield* Activity.make({ name: "before", execute: Effect.void })
    const ok = yield* DurableDeferred.await(Release)
    yield* Activity.make({
      name: "after",
      execute: Effect.sync(() => void gateWoke.set(id, performance.now())),
    })
    return ok
  }),
)

interface GateResult {
  readonly parkedPerSecond: number
  readonly releasedPerSecond: number
  readonly wakeP50: number
  readonly wakeP99: number
}

const gateBaseline = async (directory: string, runs: number, concurrency: number): Promise<GateResult> => {
  const rt = ManagedRuntime.make(
    GateLayer.pipe(Layer.provideMerge(Durable.sqlite({ directory, filename: "gate.db" }))),
  )
  try {
    const sql = await rt.runPromise(Effect.service(SqlClient.SqlClient))
    const countOf = (state: string) => rt.runPromise(count(sql, state))
    const until = async (n: number, state: string) => {
      const deadline = performance.now() + 600_000
      while ((await countOf(state)) < n) {
        if (performance.now() > deadline) throw new Error(`W5 baseline: timed out waiting for ${state}`)
        await sleep(100)
      }
    }
    const ids = Array.from({ length: runs }, (_, i) => `g-${i}`)
    await rt.runPromise(Gate.execute({ id: "warmup" }, { discard: true }))
    await until(1, "suspended")
    const t0 = performance.now()
    await rt.runPromise(
      Effect.forEach(ids, (id) => Gate.execute({ id }, { discard: true }), { concurrency, discard: true }),
    )
    await until(runs + 1, "suspended")
    const parkSeconds = since(t0) / 1000
    const released = new Map<string, number>()
    const r0 = performance.now()
    await rt.runPromise(
      Effect.forEach(
        ids,
        (id) =>
          Effect.gen(function* () {
            const token = yield* DurableDeferred.tokenFromPayload(Release, {
              workflow: Gate,
              payload: { id },
            })
            yield* DurableDeferred.succeed(Release, { token, value: true })
            released.set(id, performance.now())
          }),
        { concurrency, discard: true },
      ),
    )
    const releaseSeconds = since(r0) / 1000
    await until(runs, "complete")
    const wakes = ids.flatMap((id) => {
      const w = gateWoke.get(id)
      const r = released.get(id)
      return w === undefined || r === undefined ? [] : [w - r]
    })
    return {
      parkedPerSecond: runs / parkSeconds,
      releasedPerSecond: runs / releaseSeconds,
      wakeP50: quantile(wakes, 0.5),
      wakeP99: quantile(wakes, 0.99),
    }
  } finally {
    await rt.dispose()
  }
}

export const run = async (quick: boolean): Promise<WorkloadResult> => {
  const started = performance.now()
  const runs = Number(process.env.BENCH_W5_RUNS ?? (quick ? 2_000 : 100_000))
  const concurrency = Number(process.env.BENCH_W5_CONCURRENCY ?? 64)
  // The hand-written baseline runs at a tenth of the size (capped at 10,000) to fit in 15 minutes.
  const baselineRuns = Number(process.env.BENCH_W5_BASELINE_RUNS ?? Math.min(10_000, Math.ceil(runs / 10)))
  sqliteCounter.install()
  const dir = tempDir("w5")
  const rt = ManagedRuntime.make(
    Engine.layer({ playbooks: [parked] }).pipe(
      Layer.provide(AfterLive),
      Layer.provideMerge(Runtime.sqlite({ directory: dir.path })),
    ),
  )
  const exec = <A>(e: Effect.Effect<A, unknown, Engine.Engine | CaseStore.CaseStore | SqlClient.SqlClient>) =>
    rt.runPromise(e)
  const sql = await exec(Effect.service(SqlClient.SqlClient))
  const countOf = (state: string) => exec(count(sql, state))
  const waitFor = async (what: string, condition: () => Promise<boolean>, seconds: number) => {
    const deadline = performance.now() + seconds * 1000
    while (!(await condition())) {
      if (performance.now() > deadline) throw new Error(`W5: timed out waiting for ${what}`)
      await sleep(200)
    }
  }
  const dbBytes = async () => {
    // Checkpointed first, so the WAL's transient pages do not count.
    await exec(sql.unsafe("PRAGMA wal_checkpoint(TRUNCATE)"))
    return ["riposte.db", "riposte.db-wal"].reduce((n, f) => {
      try {
        return n + statSync(join(dir.path, f)).size
      } catch {
        return n
      }
    }, 0)
  }
  try {
    const gate = await gateBaseline(dir.path, baselineRuns, concurrency)
    gateWoke.clear()
    const engine = await exec(Effect.service(Engine.Engine))
    // Baseline: the engine up, one run parked (code paths compiled, statement caches warm).
    await exec(engine.start(parked, { id: "warmup" }))
    await waitFor("the warm-up run to park", async () => (await countOf("suspended")) >= 1, 60)
    await sleep(1000)
    const heapBefore = heapAfterGc()
    const dbBefore = await dbBytes()

    const parkSql = sqliteCounter.snapshot()
    sqliteCounter.topStatements()
    const t0 = performance.now()
    await exec(
      Effect.forEach(
        Array.from({ length: runs }, (_, i) => i),
        (i) => engine.start(parked, { id: `p-${i}` }),
        { concurrency, discard: true },
      ),
    )
    await waitFor("every run to park", async () => (await countOf("suspended")) >= runs + 1, 900)
    const parkSeconds = since(t0) / 1000
    const parkCounts = sqliteCounter.diff(parkSql)
    if (process.env.BENCH_SQL_TIMING === "1")
      console.log(`time in node:sqlite while parking:\n${sqliteCounter.topStatements().join("\n")}`)
    await sleep(1000)
    const heapParked = heapAfterGc()
    const dbAfter = await dbBytes()
    const idleBefore = sqliteCounter.snapshot()
    await sleep(10_000)
    const idle = sqliteCounter.diff(idleBefore)

    // Release every approval (the list is read only now: it is not part of the heap reading).
    const list = await exec(
      Effect.flatMap(Effect.service(CaseStore.CaseStore), (s) => s.listApprovals({ decision: ["pending"] })),
    )
    const decided = new Map<string, number>()
    const releaseSql = sqliteCounter.snapshot()
    sqliteCounter.topStatements()
    const r0 = performance.now()
    await exec(
      Effect.forEach(
        list,
        (a) =>
          Effect.tap(engine.decide(a.id, { decision: "approve", actor: "bench.lead", roles: ["lead"] }), () =>
            Effect.sync(() => void decided.set(a.runId, performance.now())),
          ),
        { concurrency, discard: true },
      ),
    )
    const releaseSeconds = since(r0) / 1000
    await waitFor(
      "every released run to complete",
      async () => (await countOf("complete")) >= list.length,
      900,
    )
    const wakeAllSeconds = since(r0) / 1000
    const releaseCounts = sqliteCounter.diff(releaseSql)
    if (process.env.BENCH_SQL_TIMING === "1")
      console.log(`time in node:sqlite while releasing:\n${sqliteCounter.topStatements().join("\n")}`)
    // Wake-up latency: the step after the gate minus the decision of the same run.
    const idOfRun = new Map(
      (
        await exec(
          Effect.flatMap(Effect.service(CaseStore.CaseStore), (s) => s.list({ limit: list.length + 10 })),
        )
      ).map((c) => [c.runId ?? "", (c.dedupKey ?? "").replace(/^bench-parked:/, "")] as const),
    )
    const wakes: Array<number> = []
    for (const [runId, at] of decided) {
      const id = idOfRun.get(runId)
      const w = id === undefined ? undefined : woke.get(id)
      if (w !== undefined) wakes.push(w - at)
    }
    const memPerRun = (heapParked - heapBefore) / runs
    const W = "W5 parked (SQLite)"
    const approvalsPerSecond = list.length / releaseSeconds
    return {
      workload: "W5",
      title: "parked runs at approval gates, durable SQLite",
      size: {
        runs,
        baselineRuns,
        concurrency,
        parkSeconds: Math.round(parkSeconds),
        released: list.length,
        completed: await countOf("complete"),
        wakesMeasured: wakes.length,
      },
      profile: {
        "SQL statements per parked run": parkCounts.statements / runs,
        "commits per parked run": parkCounts.commits / runs,
        "SQL statements per approval (decide + wake + rest of the run)":
          releaseCounts.statements / list.length,
        "commits per approval": releaseCounts.commits / list.length,
      },
      rows: [
        row(
          W,
          `runs parked per second (${runs.toLocaleString("en-US")} runs)`,
          runs / parkSeconds,
          "runs/s",
          {
            baseline: { name: "hand-written gate workflow", value: gate.parkedPerSecond },
            note: `baseline: ${baselineRuns.toLocaleString("en-US")} runs of an activity, a DurableDeferred and an activity on the same engine, no case`,
          },
        ),
        row(W, "heap per parked run (all parked, after GC)", memPerRun, "bytes", {
          target: { goal: "no process memory per parked run (≤ 1 KB noise)", met: memPerRun <= 1024 },
          note: `heap ${((heapParked - heapBefore) / 1024 / 1024).toFixed(1)} MB above the one-run baseline`,
        }),
        row(W, "database bytes per parked run", (dbAfter - dbBefore) / runs, "bytes"),
        row(W, "idle queries per second", idle.statements / 10, "queries/s", {
          note: `${idle.commits / 10} commits/s while ${runs.toLocaleString("en-US")} runs are parked`,
        }),
        row(W, "approvals released per second", approvalsPerSecond, "approvals/s", {
          baseline: { name: "hand-written gate workflow", value: gate.releasedPerSecond },
          target: { goal: "≥ 1,000/s", met: approvalsPerSecond >= 1000 },
          note: `every released run completed ${wakeAllSeconds.toFixed(1)} s after the first decision`,
        }),
        row(W, "wake-up p50", quantile(wakes, 0.5), "ms", {
          baseline: { name: "hand-written gate workflow", value: gate.wakeP50 },
        }),
        row(W, "wake-up p99", quantile(wakes, 0.99), "ms", {
          baseline: { name: "hand-written gate workflow", value: gate.wakeP99 },
        }),
      ],
      seconds: since(started) / 1000,
    }
  } finally {
    await rt.dispose()
    dir.remove()
  }
}
