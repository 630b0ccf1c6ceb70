/**
 * W4 fan-out: 50 indicators enriched in parallel (one enrich step, 50 calls, concurrency 50)
 * against a mock whose calls take 20–200 ms, on durable SQLite: run wall time against the
 * slowest single call, and journal writes per indicator.
 */
import { Connector, Engine, playbook } from "@riposte/core"
import { Runtime } from "@riposte/runtime"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { sqliteCounter, tempDir } from "./Db.ts"
import { row, type WorkloadResult } from "./Report.ts"
import { median, since } from "./Stats.ts"

const INDICATORS = 50

const Intel = Connector.make("bench-intel", {
  version: "1",
  actions: {
    lookup: Connector.action({
      input: Schema.Struct({ indicator: Schema.String }),
      output: Schema.Struct({ score: Schema.Number }),
      kind: "read",
    }),
  },
})

let slowest = 0
const IntelLive = Connector.layer(Intel, {
  lookup: () =>
    Effect.suspend(() => {
      const ms = 20 + Math.floor(Math.random() * 181)
      slowest = Math.max(slowest, ms)
      return Effect.as(Effect.sleep(`${ms} millis`), { score: ms })
    }),
})

const fanOut = playbook("bench-fan-out", { version: "1" })
  .trigger(Schema.Struct({ id: Schema.String }), { idempotencyKey: (t) => t.id })
  .enrich(
    "intel",
    (ctx) =>
      Array.from({ length: INDICATORS }, (_, i) =>
        Intel.lookup({ indicator: `${ctx.trigger.id}-${i}.example` }),
      ),
    { concurrency: INDICATORS },
  )

export const run = async (quick: boolean): Promise<WorkloadResult> => {
  const started = performance.now()
  const repetitions = quick ? 3 : 7
  sqliteCounter.install()
  const dir = tempDir("w4")
  const rt = ManagedRuntime.make(
    Engine.layer({ playbooks: [fanOut] }).pipe(
      Layer.provide(IntelLive),
      Layer.provideMerge(Runtime.sqlite({ directory: dir.path })),
    ),
  )
  const walls: Array<number> = []
  const slowests: Array<number> = []
  const ratios: Array<number> = []
  const writes: Array<number> = []
  const commits: Array<number> = []
  try {
    await rt.runPromise(
      Effect.gen(function* () {
        const engine = yield* Engine.Engine
        yield* engine.run(fanOut, { id: "warmup" })
        for (let r = 0; r < repetitions; r++) {
          slowest = 0
          const before = sqliteCounter.snapshot()
          const t = performance.now()
          yield* engine.run(fanOut, { id: `run-${r}` })
          const wall = since(t)
          const d = sqliteCounter.diff(before)
          walls.push(wall)
          slowests.push(slowest)
          ratios.push(wall / slowest)
          writes.push(d.writes / INDICATORS)
          commits.push(d.commits / INDICATORS)
        }
      }),
    )
  } finally {
    await rt.dispose()
    dir.remove()
  }
  const W = "W4 fan-out (SQLite)"
  return {
    workload: "W4",
    title: "50 indicators enriched in parallel, durable SQLite",
    size: { indicators: INDICATORS, repetitions },
    rows: [
      row(W, "run wall time (50 lookups)", median(walls), "ms", {
        baseline: { name: "slowest single call", value: median(slowests) },
        note: `median of per-run ratios ${median(ratios).toFixed(2)}×`,
      }),
      row(W, "journal writes per indicator", median(writes), "writes", {
        note: "SQL INSERT/UPDATE/DELETE statements of the whole run / 50",
      }),
      row(W, "commits per indicator", median(commits), "commits"),
    ],
    seconds: since(started) / 1000,
  }
}
