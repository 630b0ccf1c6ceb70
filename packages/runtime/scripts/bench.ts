// Measures the cost of a durable step: runs a workflow of `steps` trivial
// activities `runs` times, sequentially, and prints the median per run/step.
//
//   node --conditions=@riposte/source packages/runtime/scripts/bench.ts sqlite [runs] [steps]
//   node --conditions=@riposte/source packages/runtime/scripts/bench.ts postgres://postgres@127.0.0.1:5432/db
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Schema } from "effect"
import { Activity, Workflow, WorkflowEngine } from "effect/workflow"
import * as Durable from "../src/Durable.ts"

const [target = "sqlite", runsText = "30", stepsText = "12"] = process.argv.slice(2)
const runs = Number(runsText)
const steps = Number(stepsText)

const Bench = Workflow.make("Bench", {
  payload: { id: Schema.String },
  success: Schema.Number,
  idempotencyKey: (payload) => payload.id,
})

const BenchLayer = Bench.toLayer(
  Effect.fnUntraced(function* () {
    let total = 0
    for (let i = 0; i < steps; i++) {
      total += yield* Activity.make({ name: `step-${i}`, success: Schema.Number, execute: Effect.succeed(i) })
    }
    return total
  }),
)

const directory = mkdtempSync(join(tmpdir(), "riposte-bench-"))
const engine =
  target === "sqlite"
    ? Durable.sqlite({ directory })
    : target === "memory"
      ? WorkflowEngine.layerMemory
      : Durable.postgres({ url: target })

const program = Effect.gen(function* () {
  yield* Bench.execute({ id: "warmup" })
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    yield* Bench.execute({ id: `run-${Date.now()}-${i}` })
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN
  console.log(
    `${target.replace(/\/\/.*@/, "//…@")}: ${runs} runs of ${steps} steps, median ${median.toFixed(2)} ms/run, ` +
      `${(median / steps).toFixed(3)} ms/step, ${(1000 / (median / steps)).toFixed(0)} steps/s`,
  )
})

Effect.runPromise(program.pipe(Effect.provide(BenchLayer.pipe(Layer.provideMerge(engine))))).finally(() =>
  rmSync(directory, { recursive: true, force: true }),
)
