/**
 * W1 orchestration overhead: the 12-step playbook compiled from the DSL on the in-memory engine,
 * against the same steps as plain async functions and as hand-written effect/workflow.
 */
import { CaseStoreMemory, Engine } from "@riposte/core"
import { Effect, Layer, ManagedRuntime } from "effect"
import { WorkflowEngine } from "effect/workflow"
import { NoopLive, plainTwelve, STEPS, Twelve, TwelveLayer, twelve } from "./Fixtures.ts"
import { row, type WorkloadResult } from "./Report.ts"
import { medianOf, since } from "./Stats.ts"

export const run = async (quick: boolean): Promise<WorkloadResult> => {
  const started = performance.now()
  const runs = quick ? 200 : 1000
  const plainRuns = 20_000

  const plainMicros = await medianOf(3, async () => {
    const start = performance.now()
    for (let i = 0; i < plainRuns; i++) await plainTwelve()
    return (since(start) * 1000) / plainRuns / STEPS
  })

  const wf = ManagedRuntime.make(TwelveLayer.pipe(Layer.provideMerge(WorkflowEngine.layerMemory)))
  let seq = 0
  const timeWorkflow = () =>
    wf.runPromise(
      Effect.gen(function* () {
        for (let i = 0; i < 50; i++) yield* Twelve.execute({ id: `warm-${seq++}` })
        const start = performance.now()
        for (let i = 0; i < runs; i++) yield* Twelve.execute({ id: `w-${seq++}` })
        return (since(start) * 1000) / runs / STEPS
      }),
    )
  const workflowMicros = await medianOf(3, timeWorkflow)
  await wf.dispose()

  const dsl = ManagedRuntime.make(
    Engine.layerMemory({ playbooks: [twelve] }).pipe(
      Layer.provide(NoopLive),
      Layer.provideMerge(CaseStoreMemory.layer),
    ),
  )
  const timeDsl = () =>
    dsl.runPromise(
      Effect.gen(function* () {
        const engine = yield* Engine.Engine
        for (let i = 0; i < 50; i++) yield* engine.run(twelve, { id: `warm-${seq++}` })
        const start = performance.now()
        for (let i = 0; i < runs; i++) yield* engine.run(twelve, { id: `d-${seq++}` })
        return (since(start) * 1000) / runs / STEPS
      }),
    )
  const dslMicros = await medianOf(3, timeDsl)
  await dsl.dispose()

  const W = "W1 overhead (in-memory)"
  return {
    workload: "W1",
    title: "orchestration overhead, 12 trivial steps, in-memory engine",
    size: { steps: STEPS, runsPerRepetition: runs, repetitions: 3 },
    rows: [
      row(W, "plain async functions", plainMicros, "µs/step"),
      row(W, "hand-written effect/workflow (layerMemory)", workflowMicros, "µs/step", {
        baseline: { name: "plain async", value: plainMicros },
      }),
      row(W, "Riposte DSL playbook (Engine.layerMemory)", dslMicros, "µs/step", {
        baseline: { name: "effect/workflow", value: workflowMicros },
        note: `${(dslMicros / plainMicros).toFixed(0)}× plain async`,
      }),
    ],
    seconds: since(started) / 1000,
  }
}
