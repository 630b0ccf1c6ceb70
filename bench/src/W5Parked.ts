/**
 * W5 parked runs: runs parked at an approval gate on durable SQLite. Process memory per parked
 * run after idle eviction, database bytes per parked run, idle queries per second; then every
 * approval released: approvals per second and wake-up p99 (decision returned → next step ran).
 */
import { statSync } from "node:fs"
import { join } from "node:path"
import { CaseStore, Connector, Engine, playbook } from "@riposte/core"
import { Runtime } from "@riposte/runtime"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { sqliteCounter, tempDir } from "./Db.ts"
import { row, type WorkloadResult } from "./Report.ts"
import { heapAfterGc, quantile, since, sleep } from "./Stats.ts"

const IDLE_SECONDS = 5

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

export const run = async (quick: boolean): Promise<WorkloadResult> => {
  const started = performance.now()
  const runs = Number(process.env.BENCH_W5_RUNS ?? (quick ? 500 : 5000))
  sqliteCounter.install()
  const dir = tempDir("w5")
  const rt = ManagedRuntime.make(
    Engine.layer({ playbooks: [parked] }).pipe(
      Layer.provide(AfterLive),
      Layer.provideMerge(Runtime.sqlite({ directory: dir.path })),
    ),
  )
  const exec = <A>(e: Effect.Effect<A, unknown, Engine.Engine | CaseStore.CaseStore>) => rt.runPromise(e)
  const pending = () =>
    exec(
      Effect.gen(function* () {
        return yield* (yield* CaseStore.CaseStore).listApprovals({ decision: ["pending"] })
      }),
    )
  try {
    const engine = await exec(
      Effect.gen(function* () {
        return yield* Engine.Engine
      }),
    )
    // Baseline: the engine up with one run parked and evicted.
    await exec(engine.start(parked, { id: "warmup" }))
    while ((await pending()).length < 1) await sleep(50)
    await sleep((IDLE_SECONDS + 3) * 1000)
    const heapBefore = heapAfterGc()
    const dbBytes = () =>
      ["riposte.db", "riposte.db-wal"].reduce((n, f) => {
        try {
          return n + statSync(join(dir.path, f)).size
        } catch {
          return n
        }
      }, 0)
    const dbBefore = dbBytes()

    const t0 = performance.now()
    await exec(
      Effect.forEach(
        Array.from({ length: runs }, (_, i) => i),
        (i) => engine.start(parked, { id: `p-${i}` }),
        { concurrency: 32, discard: true },
      ),
    )
    let list = await pending()
    const parkDeadline = performance.now() + Number(process.env.BENCH_W5_PARK_TIMEOUT_S ?? 300) * 1000
    while (list.length < runs + 1 && performance.now() < parkDeadline) {
      await sleep(500)
      list = await pending()
    }
    const parkSeconds = since(t0) / 1000
    const heapParked = heapAfterGc()
    await sleep((IDLE_SECONDS + 10) * 1000)
    const heapEvicted = heapAfterGc()
    const dbAfter = dbBytes()
    const idleBefore = sqliteCounter.snapshot()
    await sleep(10_000)
    const idle = sqliteCounter.diff(idleBefore)

    // Release every approval.
    const decided = new Map<string, number>()
    const r0 = performance.now()
    await exec(
      Effect.forEach(
        list.filter((a) => a.runId !== undefined),
        (a) =>
          Effect.tap(engine.decide(a.id, { decision: "approve", actor: "bench.lead", roles: ["lead"] }), () =>
            Effect.sync(() => void decided.set(a.runId, performance.now())),
          ),
        { concurrency: 32, discard: true },
      ),
    )
    const releaseSeconds = since(r0) / 1000
    const deadline = performance.now() + 120_000
    while (woke.size < runs + 1 && performance.now() < deadline) await sleep(100)
    const wakeAllSeconds = since(r0) / 1000
    const wakes: Array<number> = []
    const status = await exec(
      Effect.forEach(list, (a) => Effect.map(engine.status(a.runId), (s) => [a.runId, s._tag] as const), {
        concurrency: 16,
      }),
    )
    const completed = status.filter(([, s]) => s === "Completed").length
    // Wake-up latency: each wake minus the decision time of the same run (matched via the case).
    const cases = await exec(
      Effect.gen(function* () {
        return yield* (yield* CaseStore.CaseStore).list({ limit: runs + 10 })
      }),
    )
    const keyOfRun = new Map(
      cases.map((c) => [c.runId ?? "", (c.dedupKey ?? "").replace(/^bench-parked:/, "")] as const),
    )
    for (const [runId, at] of decided) {
      const key = keyOfRun.get(runId)
      const w = key === undefined ? undefined : woke.get(key)
      if (w !== undefined) wakes.push(w - at)
    }
    const memPerRun = (heapEvicted - heapBefore) / runs
    const W = "W5 parked (SQLite)"
    const approvalsPerSecond = list.length / releaseSeconds
    return {
      workload: "W5",
      title: "parked runs at approval gates, durable SQLite",
      size: {
        runs,
        idleEvictionSeconds: IDLE_SECONDS,
        parkSeconds: Math.round(parkSeconds),
        completed,
        woke: woke.size,
      },
      rows: [
        row(W, `runs parked per second (${runs} runs)`, runs / parkSeconds, "runs/s"),
        row(W, "heap per parked run, before eviction", (heapParked - heapBefore) / runs, "bytes"),
        row(W, "heap per parked run, after eviction", memPerRun, "bytes", {
          target: { goal: "no process memory per parked run (≤ 1 KB noise)", met: memPerRun <= 1024 },
        }),
        row(W, "database bytes per parked run", (dbAfter - dbBefore) / runs, "bytes"),
        row(W, "idle queries per second", idle.statements / 10, "queries/s", {
          note: `${idle.commits / 10} commits/s while ${runs} runs are parked`,
        }),
        row(W, "approvals released per second", approvalsPerSecond, "approvals/s", {
          target: { goal: "≥ 1,000/s", met: approvalsPerSecond >= 1000 },
          note: `all ${runs} woken in ${wakeAllSeconds.toFixed(1)} s`,
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
