// Measures what parked runs cost in process memory on the embedded SQLite runtime.
//
//   npm run parked-memory -w @riposte/runtime [-- <runs>]
//
// The parent re-runs this file in a child process with --expose-gc. The child starts <runs>
// (default 10,000) runs of a real playbook that parks at an approval gate, then prints the heap
// (after a forced GC) at three points: engine up, all runs parked, and 10 s later. Parked runs
// live in the database, not in memory (the engine drops a run as soon as it parks): the growth
// must stay under 20 MB.
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { CaseStore, Connector, Engine, playbook } from "@riposte/core"
import { Duration, Effect, Layer, Schema } from "effect"
import * as Runtime from "../src/Runtime.ts"

const LIMIT_MB = 20
// Time given to the engine to settle before each heap reading.
const IDLE = Duration.seconds(10)

const Noop = Connector.make("noop", {
  version: "1",
  actions: {
    note: Connector.action({ input: Schema.Struct({ n: Schema.Number }), output: Schema.Void, kind: "read" }),
  },
})

const parked = playbook("parked", { version: "1" })
  .trigger(Schema.Struct({ id: Schema.String }), { idempotencyKey: (i) => i.id })
  .approve("ok", { roles: ["lead"], timeout: "7 days", onTimeout: "deny", summary: () => "approve?" })
  .enrich("after", () => ({ n: Noop.note({ n: 1 }) }))

const mb = (bytes: number) => bytes / 1024 / 1024

const heap = () => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run with --expose-gc")
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

const child = (runs: number) => {
  const directory = mkdtempSync(join(tmpdir(), "riposte-parked-"))
  const app = Engine.layer({ playbooks: [parked] }).pipe(
    Layer.provide(Connector.layer(Noop, { note: () => Effect.void })),
    Layer.provideMerge(Runtime.sqlite({ directory })),
  )
  const program = Effect.gen(function* () {
    const engine = yield* Engine.Engine
    const store = yield* CaseStore.CaseStore
    const waiting = Effect.map(store.listApprovals({ decision: ["pending"] }), (list) => list.length)
    // Warm up (compiles code paths, fills statement caches), then take the baseline.
    yield* engine.start(parked, { id: "warmup" })
    while ((yield* waiting) < 1) yield* Effect.sleep("50 millis")
    yield* Effect.sleep(Duration.sum(IDLE, Duration.seconds(3)))
    const before = heap()
    console.log(`baseline (engine up, 1 parked run evicted): heap ${mb(before).toFixed(1)} MB`)

    const started = performance.now()
    yield* Effect.forEach(
      Array.from({ length: runs }, (_, i) => i),
      (i) => engine.start(parked, { id: `run-${i}` }),
      { concurrency: 64, discard: true },
    )
    console.log(`started ${runs} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    let parkedCount = yield* waiting
    for (let polls = 1; parkedCount < runs + 1; polls++) {
      if (polls % 20 === 0) console.log(`  parked ${parkedCount - 1}/${runs}`)
      yield* Effect.sleep("500 millis")
      parkedCount = yield* waiting
    }
    const seconds = (performance.now() - started) / 1000
    const resident = heap()
    console.log(
      `${runs} runs parked in ${seconds.toFixed(1)} s (${(runs / seconds).toFixed(0)} runs/s): ` +
        `heap ${mb(resident).toFixed(1)} MB (+${mb(resident - before).toFixed(1)} MB, before eviction)`,
    )

    yield* Effect.sleep(Duration.sum(IDLE, Duration.seconds(10)))
    const after = heap()
    const growth = mb(after - before)
    console.log(
      `after idle eviction (${Duration.format(IDLE)} idle): heap ${mb(after).toFixed(1)} MB ` +
        `(+${growth.toFixed(1)} MB over baseline, ${((after - before) / runs).toFixed(0)} bytes per parked run)`,
    )
    console.log(
      growth < LIMIT_MB
        ? `OK: growth ${growth.toFixed(1)} MB < ${LIMIT_MB} MB`
        : `FAIL: growth ${growth.toFixed(1)} MB >= ${LIMIT_MB} MB`,
    )
    return growth < LIMIT_MB && parkedCount === runs + 1
  }).pipe(Effect.provide(app))
  Effect.runPromise(program).then(
    (ok) => {
      rmSync(directory, { recursive: true, force: true })
      process.exit(ok ? 0 : 1)
    },
    (error: unknown) => {
      console.error(error)
      rmSync(directory, { recursive: true, force: true })
      process.exit(1)
    },
  )
}

const [mode, runsText] = process.argv.slice(2)
if (mode === "child") {
  child(Number(runsText ?? 10_000))
} else {
  const runs = Number(mode ?? 10_000)
  if (!Number.isSafeInteger(runs) || runs < 1 || runs > 1_000_000) throw new Error("runs: 1..1000000")
  const proc = spawn(
    process.execPath,
    ["--expose-gc", "--conditions=@riposte/source", fileURLToPath(import.meta.url), "child", String(runs)],
    { stdio: "inherit" },
  )
  proc.on("exit", (code) => process.exit(code ?? 1))
}
