/**
 * Activities built once per compiled playbook instead of on every execution and replay.
 *
 * `Activity.make` derives JSON codecs and two exit schemas for every activity it builds (about
 * 10 µs each, and `annotate` builds the activity a second time). The interpreter used to pay it
 * for every call, record and case write of every run. A shared activity is made once, with an
 * `execute` that reads its per-execution input from the fiber context: every engine runs an
 * activity's `execute` (and its `CommitWith` hook) with the context of the fiber that yields the
 * activity (the in-memory and SQL engines run it on that fiber; effect/cluster's engine captures
 * that fiber's context with the activity), which is where the input is provided.
 *
 * The activity's name, schemas and annotations are those of the activity it replaces, so the
 * journal is the same.
 */
import { Context, Effect, type Schema } from "effect"
import { ClusterSchema } from "effect/cluster"
import { Activity } from "effect/workflow"

const Input = Context.Service<never, unknown>("@riposte/core/internal/ActivityInput")

/** The input of the shared activity being executed (inside its `execute` or `CommitWith` hook). */
export const currentInput = <In>(): Effect.Effect<In> => Effect.service(Input) as Effect.Effect<In>

/** Annotations of an activity whose writes commit with its journal entry. */
export const inTransaction: Context.Context<never> = Context.make(ClusterSchema.WithTransaction, true)

/**
 * Makes an activity once; returns the effect that runs (or replays) it with a given input.
 *
 * @example
 * ```ts
 * const finish = shared({ name: "riposte/finish", execute: (i: { caseId: string }) => close(i.caseId) })
 * yield* finish({ caseId })
 * ```
 */
export const shared = <
  In,
  Success extends Schema.Constraint = typeof Schema.Void,
  Error extends Schema.Constraint = typeof Schema.Never,
>(options: {
  readonly name: string
  readonly success?: Success | undefined
  readonly error?: Error | undefined
  readonly annotations?: Context.Context<never> | undefined
  readonly execute: (input: In) => Effect.Effect<Success["Type"], Error["Type"], any>
}): ((input: In) => Effect.Effect<Success["Type"], Error["Type"], any>) => {
  const activity = Activity.make({
    name: options.name,
    success: options.success,
    error: options.error,
    annotations: options.annotations,
    execute: Effect.flatMap(Effect.service(Input), (input) => options.execute(input as In)),
  })
  return (input) => Effect.provideService(activity, Input, input)
}
