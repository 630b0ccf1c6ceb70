/**
 * W5 parked runs: runs parked at an approval gate on durable SQLite. Process memory per parked
 * run (the engine drops a run from memory when it parks), database bytes per parked run, idle
 * queries per second; then every approval released: approvals per second (`decide()` returned)
 * and wake-up latency (decision returned → the next step's connector call ran).
 */
import { statSync } from "node:fs"
import { join } from "node:path"
import { CaseStore, Connector, Engine, playbook } from "@riposte/core"
import { Runtime } from "@riposte/runtime"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { SqlClient } from "effect/sql"
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

export const run = async (quick: boolean): Promise<WorkloadResult> => {
  const started = performance.now()
  const runs = Number(process.env.BENCH_W5_RUNS ?? (quick ? 2_000 : 100_000))
  const concurrency = Number(process.env.BENCH_W5_CONCURRENCY ?? 64)
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
    const engine = await exec(Effect.service(Engine.Engine))
    // Baseline: the engine up, one run parked (code paths compiled, statement caches warm).
    await exec(engine.start(parked, { id: "warmup" }))
    await waitFor("the warm-up run to park", async () => (await countOf("suspended")) >= 1, 60)
    await sleep(1000)
    const heapBefore = heapAfterGc()
    const dbBefore = await dbBytes()

    const parkSql = sqliteCounter.snapshot()
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
        row(W, `runs parked per second (${runs.toLocaleString("en-US")} runs)`, runs / parkSeconds, "runs/s"),
        row(W, "heap per parked run (all parked, after GC)", memPerRun, "bytes", {
          target: { goal: "no process memory per parked run (≤ 1 KB noise)", met: memPerRun <= 1024 },
          note: `heap ${((heapParked - heapBefore) / 1024 / 1024).toFixed(1)} MB above the one-run baseline`,
        }),
        row(W, "database bytes per parked run", (dbAfter - dbBefore) / runs, "bytes"),
        row(W, "idle queries per second", idle.statements / 10, "queries/s", {
          note: `${idle.commits / 10} commits/s while ${runs.toLocaleString("en-US")} runs are parked`,
        }),
        row(W, "approvals released per second", approvalsPerSecond, "approvals/s", {
          target: { goal: "≥ 1,000/s", met: approvalsPerSecond >= 1000 },
          note: `every released run completed ${wakeAllSeconds.toFixed(1)} s after the first decision`,
        }),
        row(W, "wake-up p50", quantile(wakes, 0.5), "ms"),
        row(W, "wake-up p99", quantile(wakes, 0.99), "ms"),
      ],
      seconds: since(started) / 1000,
    }
  } finally {
    await rt.dispose()
    dir.remove()
  }
}
