/**
 * The 12 trivial steps of W1/W2 in three shapes: a Riposte playbook compiled from the DSL, a
 * hand-written effect/workflow, and plain async functions.
 */
import { Connector, playbook } from "@riposte/core"
import { Effect, Schema } from "effect"
import { Activity, Workflow } from "effect/workflow"

export const STEPS = 12

/** A mock connector whose one read action returns its input + 1. */
export const Noop = Connector.make("bench-noop", {
  version: "1",
  actions: {
    inc: Connector.action({
      input: Schema.Struct({ n: Schema.Number }),
      output: Schema.Struct({ n: Schema.Number }),
      kind: "read",
    }),
  },
})

export const NoopLive = Connector.layer(Noop, { inc: ({ n }) => Effect.succeed({ n: n + 1 }) })

const Trigger = Schema.Struct({ id: Schema.String })

/**
 * 12 enrich steps of one connector call each. A DSL enrich step journals two activities: the
 * call and its record (case rows); the run also journals open-case and finish.
 */
export const twelve = playbook("bench-twelve", { version: "1" })
  .trigger(Trigger, { idempotencyKey: (t) => t.id })
  .enrich("s0", () => ({ v: Noop.inc({ n: 0 }) }))
  .enrich("s1", () => ({ v: Noop.inc({ n: 1 }) }))
  .enrich("s2", () => ({ v: Noop.inc({ n: 2 }) }))
  .enrich("s3", () => ({ v: Noop.inc({ n: 3 }) }))
  .enrich("s4", () => ({ v: Noop.inc({ n: 4 }) }))
  .enrich("s5", () => ({ v: Noop.inc({ n: 5 }) }))
  .enrich("s6", () => ({ v: Noop.inc({ n: 6 }) }))
  .enrich("s7", () => ({ v: Noop.inc({ n: 7 }) }))
  .enrich("s8", () => ({ v: Noop.inc({ n: 8 }) }))
  .enrich("s9", () => ({ v: Noop.inc({ n: 9 }) }))
  .enrich("s10", () => ({ v: Noop.inc({ n: 10 }) }))
  .enrich("s11", () => ({ v: Noop.inc({ n: 11 }) }))

/** The same 12 steps written by hand as effect/workflow activities. */
export const Twelve = Workflow.make("BenchTwelve", {
  payload: { id: Schema.String },
  success: Schema.Number,
  idempotencyKey: (payload) => payload.id,
})

export const TwelveLayer = Twelve.toLayer(
  Effect.fnUntraced(function* () {
    let n = 0
    for (let i = 0; i < STEPS; i++) {
      n = yield* Activity.make({
        name: `s${i}`,
        success: Schema.Number,
        execute: Effect.sync(() => n + 1),
      })
    }
    return n
  }),
)

/** The same 12 steps as plain async functions. */
export const plainTwelve = async (): Promise<number> => {
  let n = 0
  const inc = async (x: number) => x + 1
  for (let i = 0; i < STEPS; i++) n = await inc(n)
  return n
}
