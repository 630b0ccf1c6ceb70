/**
 * Durable approval gates: the request is recorded in the case (random id, payload hash), then the
 * gate's deferred races a durable clock. The engine completes the deferred server-side.
 *
 * The gate's activities and races are built once per gate path; on a replay the body only
 * re-reads their journaled results.
 */
import { Clock, Duration, Effect, Exit, Schema } from "effect"
import { DurableClock, DurableDeferred } from "effect/workflow"
import { CaseStore } from "../CaseStore.ts"
import { Reminders } from "../Reminders.ts"
import { inTransaction, shared } from "./activity.ts"
import type { ApproveOptions, Ctx } from "./ast.ts"
import type { PlannedSummary } from "./calls.ts"
import { sha256Hex, stableStringify } from "./hash.ts"
import { playbookActor, type RunState, stepError } from "./run.ts"

/** What an approver sends back through the engine (never a workflow token). */
export const GateDecision = Schema.Struct({
  decision: Schema.Literals(["approved", "denied"]),
  approvers: Schema.Array(Schema.String),
  comment: Schema.NullOr(Schema.String),
})
export type GateDecision = typeof GateDecision.Type

const GateOutcome = Schema.Union([GateDecision, Schema.Struct({ decision: Schema.Literal("timeout") })])
type GateOutcome = typeof GateOutcome.Type

const deferreds = new Map<string, DurableDeferred.DurableDeferred<typeof GateDecision>>()

/** The durable deferred a gate waits on; the engine completes it server-side. */
export const gateDeferred = (gatePath: string): DurableDeferred.DurableDeferred<typeof GateDecision> => {
  let deferred = deferreds.get(gatePath)
  if (deferred === undefined) {
    deferred = DurableDeferred.make(`gate:${gatePath}`, { success: GateDecision })
    // Gate paths come from definitions; the bound only guards against unexpected growth.
    if (deferreds.size >= 4096) deferreds.clear()
    deferreds.set(gatePath, deferred)
  }
  return deferred
}

/** Completes a gate's deferred (server-side; the deferred token never leaves the engine). */
export const gateExit = (decision: GateDecision) => Exit.succeed(decision)

export type GateOptions = Omit<ApproveOptions, "summary"> & { readonly summary: (ctx: Ctx) => string }

const parsed = new Map<string, number>()
/** Milliseconds of a duration; the texts of definitions ("4 hours") are parsed once. */
const millis = (input: Duration.Input): number => {
  if (typeof input !== "string") return Duration.toMillis(Duration.fromInputUnsafe(input))
  let ms = parsed.get(input)
  if (ms === undefined) {
    ms = Duration.toMillis(Duration.fromInputUnsafe(input))
    if (parsed.size < 1024) parsed.set(input, ms)
  }
  return ms
}

interface GateInput {
  readonly state: RunState
  readonly options: GateOptions
}

/**
 * The gate at `gatePath`: records the request, then waits for a decision, reminding every
 * `remindEvery`. Escalates once when asked. A timeout is recorded and treated as a refusal:
 * never an approval.
 */
export const makeGate = (
  gatePath: string,
  displayName: string,
  inMemoryThreshold: Duration.Input | undefined,
) => {
  const request = shared({
    name: `${gatePath}/request`,
    success: Schema.String,
    annotations: inTransaction,
    execute: (
      i: GateInput & {
        readonly summary: string
        readonly timeoutMillis: number
        readonly planned: () => ReadonlyArray<PlannedSummary>
      },
    ) =>
      Effect.gen(function* () {
        const { state, options, summary } = i
        // Only the first execution needs the plan and its hash: a replay reads the request id.
        const planned = i.planned()
        const payloadHash = sha256Hex(stableStringify({ gate: gatePath, summary, planned }))
        const store = yield* CaseStore
        const now = yield* Clock.currentTimeMillis
        const id = crypto.randomUUID()
        yield* store.requestApproval({
          id,
          caseId: state.caseId,
          runId: state.runId,
          gate: gatePath,
          summary,
          payloadHash,
          decision: "pending",
          approvers: [],
          roles: [...options.roles],
          quorum: options.quorum ?? 1,
          // Four-eyes: the person who started the run may not approve its gates.
          requester:
            options.fourEyes !== false && state.actor !== undefined
              ? state.actor
              : playbookActor(state.def).id,
          comment: null,
          requestedAt: now,
          decidedAt: null,
          expiresAt: now + i.timeoutMillis,
        })
        yield* store.appendTimeline(state.caseId, {
          kind: "approval.requested",
          actor: playbookActor(state.def),
          message: `approval '${displayName}' requested from ${options.roles.join(", ")}: ${summary}`,
          data: { requestId: id, payloadHash, planned },
        })
        return id
      }).pipe(Effect.orDie),
  })

  type Pending = GateInput & { readonly requestId: string }
  const reminders = new Map<string, (i: Pending) => Effect.Effect<void, never, any>>()
  /** Each reminder is a journaled activity (timeline event + the Reminders hook): sent once. */
  const remind = (round: string, n: number) => {
    const name = `${gatePath}/${round}/remind-${n + 1}`
    let run = reminders.get(name)
    if (run === undefined) {
      run = shared({
        name,
        annotations: inTransaction,
        execute: (i: Pending) =>
          Effect.gen(function* () {
            const store = yield* CaseStore
            const request = yield* store.getApproval(i.requestId)
            yield* store.appendTimeline(i.state.caseId, {
              kind: "approval.requested",
              actor: { kind: "system", id: "riposte" },
              message: `reminder ${n + 1}: approval '${displayName}' still waits for ${request.roles.join(", ")}`,
              data: { requestId: i.requestId },
            })
            yield* (yield* Reminders).remind(request)
          }).pipe(Effect.orDie),
      })
      if (reminders.size < 256) reminders.set(name, run)
    }
    return run
  }

  const escalate = shared({
    name: `${gatePath}/escalate`,
    annotations: inTransaction,
    execute: (i: Pending) =>
      Effect.gen(function* () {
        const escalation = i.options.escalate!
        const store = yield* CaseStore
        yield* store.decideApproval(i.requestId, {
          decision: "escalated",
          approvers: [],
          comment: null,
          roles: [...escalation.roles],
          extendMillis: millis(escalation.timeout),
        })
        yield* store.appendTimeline(i.state.caseId, {
          kind: "approval.requested",
          actor: { kind: "system", id: "riposte" },
          message: `approval '${displayName}' escalated to ${escalation.roles.join(", ")}`,
          data: { requestId: i.requestId },
        })
      }).pipe(Effect.orDie),
  })

  const timedOut = shared({
    name: `${gatePath}/timeout`,
    annotations: inTransaction,
    execute: (i: Pending) =>
      Effect.gen(function* () {
        const store = yield* CaseStore
        yield* store.decideApproval(i.requestId, { decision: "timeout", approvers: [], comment: null }).pipe(
          // A decision that raced the clock and won in the store stays as decided.
          Effect.catchIf(
            (e) => e.reason === "Conflict",
            () => Effect.void,
          ),
        )
        yield* store.appendTimeline(i.state.caseId, {
          kind: "approval.decided",
          actor: { kind: "system", id: "riposte" },
          message: `approval '${displayName}' timed out: treated as denied`,
          data: { requestId: i.requestId },
        })
      }).pipe(Effect.orDie),
  })

  const deferred = gateDeferred(gatePath)
  const races = new Map<string, Effect.Effect<GateOutcome, never, any>>()
  /** The decision or the clock, whichever comes first; the race's result is journaled. */
  const race = (round: string, slice: number) => {
    const key = `${round}\u0000${slice}`
    let effect = races.get(key)
    if (effect === undefined) {
      effect = DurableDeferred.raceAll({
        name: `${gatePath}/${round}`,
        success: GateOutcome,
        error: Schema.Never,
        effects: [
          DurableDeferred.await(deferred),
          DurableClock.sleep({
            name: `${gatePath}/${round}/clock`,
            duration: Duration.millis(slice),
            ...(inMemoryThreshold === undefined ? {} : { inMemoryThreshold }),
          }).pipe(Effect.as({ decision: "timeout" as const })),
        ],
      })
      if (races.size < 256) races.set(key, effect)
    }
    return effect
  }

  /** Waits up to `duration` for a decision, reminding every `remindEvery`. */
  const waitWithReminders = (input: Pending, round: string, duration: Duration.Input) =>
    Effect.gen(function* () {
      const total = millis(duration)
      const every = input.options.remindEvery === undefined ? total : millis(input.options.remindEvery)
      let waited = 0
      for (let n = 0; ; n++) {
        const slice = Math.min(every, total - waited)
        const outcome = yield* race(n === 0 ? round : `${round}-${n}`, slice)
        waited += slice
        if (outcome.decision !== "timeout" || waited >= total) return outcome
        yield* remind(round, n)(input)
      }
    })

  return (state: RunState, options: GateOptions, planned: () => ReadonlyArray<PlannedSummary>) =>
    Effect.gen(function* () {
      const summary = yield* Effect.try({
        try: () => options.summary(state.ctx),
        catch: (e) => stepError(state, displayName, e),
      })
      const timeoutMillis = millis(options.timeout)
      const requestId = yield* request({ state, options, summary, timeoutMillis, planned })
      const input = { state, options, requestId }
      let outcome: GateOutcome = yield* waitWithReminders(input, "wait", options.timeout)
      if (outcome.decision === "timeout" && options.onTimeout === "escalate" && options.escalate) {
        yield* escalate(input)
        outcome = yield* waitWithReminders(input, "escalated", options.escalate.timeout)
      }
      if (outcome.decision === "timeout") yield* timedOut(input)
      return { requestId, outcome }
    })
}
