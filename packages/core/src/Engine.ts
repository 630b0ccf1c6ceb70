/**
 * The engine: registers compiled playbooks with a `WorkflowEngine` (in-memory, SQLite,
 * Postgres…), starts runs, reports their status and resolves approval gates server-side.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const engine = yield* Engine.Engine
 *   const { runId } = yield* engine.start(phishing, { eml })
 *   return yield* engine.result(runId)
 * }).pipe(Effect.provide(Engine.layerMemory({ playbooks: [phishing] })))
 * ```
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Option, Schedule } from "effect"
import { WorkflowEngine } from "effect/workflow"
import type { ApprovalRecord } from "./CaseModel.ts"
import { CaseStore, type CaseStoreError } from "./CaseStore.ts"
import {
  ApprovalError,
  type ConnectorError,
  type PlaybookDefinitionError,
  type PlaybookInactive,
  PlaybookNotRegistered,
  RunNotFound,
  type StepError,
  TriggerValidationError,
} from "./Errors.ts"
import type { PlaybookDef } from "./internal/ast.ts"
import {
  type Compiled,
  type CompileOptions,
  compile,
  gateDeferred,
  gateExit,
  parseRunId,
  type RunResult,
  runIdOf,
  tagOf,
} from "./internal/compile.ts"
import { sha256Hex, stableStringify } from "./internal/hash.ts"
import { issueMessage, issuePath } from "./internal/issue.ts"
import type * as Playbook from "./Playbook.ts"

export type { RunResult } from "./internal/compile.ts"

/** Where a run is. */
export type RunState =
  | { readonly _tag: "Running" }
  | { readonly _tag: "Suspended" }
  | { readonly _tag: "Completed"; readonly result: RunResult }
  | { readonly _tag: "Failed"; readonly error: RunError }

export type RunError = ConnectorError | StepError | PlaybookDefinitionError

/** A decision on an approval request by a person. */
export interface Decision {
  readonly decision: "approve" | "deny"
  /** Who decides (user id). */
  readonly actor: string
  /** The roles the actor holds (verified by the caller's authentication layer). */
  readonly roles: ReadonlyArray<string>
  readonly comment?: string
  /** The payload hash the approver was shown; a mismatch is refused. */
  readonly payloadHash?: string
}

/** Options of a run's start. */
export interface StartOptions {
  /**
   * The user who starts the run (an analyst clicking "run playbook"): recorded as the requester
   * of its approval gates, so four-eyes keeps them from approving their own run.
   */
  readonly actor?: string
}

export interface EngineShape {
  /** Validates the input and starts a run (or joins the run with the same idempotency key). */
  readonly start: <P extends Playbook.Any>(
    playbook: P,
    input: Playbook.Input<P>,
    options?: StartOptions,
  ) => Effect.Effect<
    { readonly runId: string },
    TriggerValidationError | PlaybookNotRegistered | PlaybookInactive
  >
  /** Starts (or joins) a run and waits for its result. */
  readonly run: <P extends Playbook.Any>(
    playbook: P,
    input: Playbook.Input<P>,
    options?: StartOptions,
  ) => Effect.Effect<RunResult, RunError | TriggerValidationError | PlaybookNotRegistered | PlaybookInactive>
  /** The state of a run, without waiting. */
  readonly status: (runId: string) => Effect.Effect<RunState, RunNotFound>
  /** Waits (polling every `interval`, default 100 ms) until the run completes or fails. */
  readonly result: (
    runId: string,
    options?: { readonly interval?: Duration.Input },
  ) => Effect.Effect<RunResult, RunError | RunNotFound>
  /** Resumes a run suspended on failure (vendor down) after the cause is fixed. */
  readonly resume: (runId: string) => Effect.Effect<void, RunNotFound>
  /** Approval requests waiting for a decision. */
  readonly pendingApprovals: (filter?: {
    readonly runId?: string
  }) => Effect.Effect<ReadonlyArray<ApprovalRecord>, CaseStoreError>
  /**
   * Decides an approval request. Checks roles, four-eyes, quorum, expiry and the payload hash,
   * records the decision in the case, then completes the gate inside the engine.
   */
  readonly decide: (
    requestId: string,
    decision: Decision,
  ) => Effect.Effect<ApprovalRecord, ApprovalError | CaseStoreError>
}

export class Engine extends Context.Service<Engine, EngineShape>()("@riposte/core/Engine") {}

/**
 * Decides whether a playbook may start a run now (provenance: a playbook drafted by an agent is
 * inactive until a named human activates it; a kill switch pauses a playbook). The default
 * admits every run.
 */
export interface AdmissionShape {
  readonly admit: (playbook: {
    readonly name: string
    readonly version: string
  }) => Effect.Effect<void, PlaybookInactive>
}

export const Admission: Context.Reference<AdmissionShape> = Context.Reference<AdmissionShape>(
  "@riposte/core/Engine/Admission",
  {
    defaultValue: () => ({ admit: () => Effect.void }),
  },
)

export interface EngineOptions extends CompileOptions {
  readonly playbooks: ReadonlyArray<Playbook.Any>
}

const triggerKey = (def: PlaybookDef, decoded: unknown, encoded: unknown): string =>
  def.idempotencyKey ? def.idempotencyKey(decoded) : sha256Hex(stableStringify(encoded))

/**
 * Builds the engine over any `WorkflowEngine`. Connector implementations and the `CaseStore`
 * are taken from the context the layer is built in.
 */
export const layer = (
  options: EngineOptions,
): Layer.Layer<Engine, never, WorkflowEngine.WorkflowEngine | CaseStore> =>
  Layer.effect(
    Engine,
    Effect.gen(function* () {
      const workflowEngine = yield* WorkflowEngine.WorkflowEngine
      const store = yield* CaseStore
      const captured = yield* Effect.context<never>()
      const compiled = new Map<string, Compiled>()
      const add = (def: PlaybookDef) => {
        const tag = tagOf(def)
        if (compiled.has(tag)) return
        const c = compile(def, options)
        compiled.set(tag, c)
        for (const child of c.children) add(child)
      }
      for (const p of options.playbooks) add(p.definition)
      for (const c of compiled.values()) {
        yield* workflowEngine.register(c.workflow, (payload, executionId) =>
          Effect.updateContext(
            c.body(payload, executionId),
            (current: Context.Context<any>) => Context.merge(captured, current) as Context.Context<any>,
          ),
        )
      }

      const lookup = (p: Playbook.Any) => {
        const c = compiled.get(tagOf(p.definition))
        return c === undefined
          ? Effect.fail(
              new PlaybookNotRegistered({
                playbook: p.definition.meta.name,
                version: p.definition.meta.version,
              }),
            )
          : Effect.succeed(c)
      }
      const byRunId = (
        runId: string,
      ): Effect.Effect<{ readonly compiled: Compiled; readonly executionId: string }, RunNotFound> => {
        const parsed = parseRunId(runId)
        const c = parsed === undefined ? undefined : compiled.get(parsed.tag)
        return c === undefined || parsed === undefined
          ? Effect.fail(new RunNotFound({ runId }))
          : Effect.succeed({ compiled: c, executionId: parsed.executionId })
      }
      const admission = yield* Admission
      const prepare = (p: Playbook.Any, input: unknown, options?: StartOptions) =>
        Effect.gen(function* () {
          const c = yield* lookup(p)
          yield* admission.admit({ name: c.def.meta.name, version: c.def.meta.version })
          const decoded = yield* c.decodeTrigger(input).pipe(
            Effect.mapError(
              (issue) =>
                new TriggerValidationError({
                  playbook: c.def.meta.name,
                  path: issuePath(issue),
                  detail: issueMessage(issue),
                }),
            ),
          )
          const encoded = yield* c.encodeTrigger(decoded).pipe(
            Effect.mapError(
              (issue) =>
                new TriggerValidationError({
                  playbook: c.def.meta.name,
                  path: issuePath(issue),
                  detail: issueMessage(issue),
                }),
            ),
          )
          const payload = { key: triggerKey(c.def, decoded, encoded), input: encoded }
          return { c, payload: options?.actor === undefined ? payload : { ...payload, actor: options.actor } }
        })

      const status = (runId: string) =>
        Effect.gen(function* () {
          const { compiled: c, executionId } = yield* byRunId(runId)
          const polled = yield* c.workflow
            .poll(executionId)
            .pipe(Effect.provideService(WorkflowEngine.WorkflowEngine, workflowEngine))
          if (Option.isNone(polled)) return { _tag: "Running" } as RunState
          const r = polled.value
          if (r._tag === "Suspended") return { _tag: "Suspended" } as RunState
          return r.exit._tag === "Success"
            ? ({ _tag: "Completed", result: r.exit.value } as RunState)
            : ({ _tag: "Failed", error: failureOf(r.exit.cause) } as RunState)
        })

      /** Completes a gate's deferred inside the engine. Idempotent: a completed deferred stays as it is. */
      const completeGate = (request: ApprovalRecord, decision: "approved" | "denied") => {
        const parsed = parseRunId(request.runId)
        if (parsed === undefined) return Effect.void
        return workflowEngine.deferredDone(gateDeferred(request.gate), {
          workflowName: parsed.tag,
          executionId: parsed.executionId,
          deferredName: gateDeferred(request.gate).name,
          exit: gateExit({ decision, approvers: request.approvers, comment: request.comment }),
        })
      }

      const decide: EngineShape["decide"] = (requestId, d) =>
        Effect.gen(function* () {
          const refuse = (reason: ApprovalError["reason"], detail?: string) =>
            new ApprovalError({ requestId, reason, ...(detail === undefined ? {} : { detail }) })
          const request = yield* store
            .getApproval(requestId)
            .pipe(Effect.mapError((e) => (e.reason === "NotFound" ? refuse("NotFound") : e)))
          if (request.decision !== "pending" && request.decision !== "escalated") {
            // The decision is recorded but the process may have died before it reached the gate:
            // deliver it again (idempotent), so a stuck run resumes on the next attempt.
            if (request.decision === "approved" || request.decision === "denied")
              yield* completeGate(request, request.decision)
            return yield* refuse("AlreadyDecided")
          }
          const now = yield* Clock.currentTimeMillis
          if (now >= request.expiresAt) return yield* refuse("Expired")
          if (!d.roles.some((r) => request.roles.includes(r)))
            return yield* refuse("RoleNotAllowed", `needs one of ${request.roles.join(", ")}`)
          if (d.actor === request.requester) return yield* refuse("SelfApproval")
          if (request.approvers.includes(d.actor)) return yield* refuse("DuplicateApprover")
          if (d.payloadHash !== undefined && d.payloadHash !== request.payloadHash)
            return yield* refuse("PayloadChanged")
          const approvers = [...request.approvers, d.actor]
          const final =
            d.decision === "deny" ? "denied" : approvers.length >= request.quorum ? "approved" : "pending"
          // The decision, its timeline event and the gate's completion commit together.
          return yield* store.transaction(
            Effect.gen(function* () {
              const updated = yield* store
                .decideApproval(requestId, { decision: final, approvers, comment: d.comment ?? null })
                .pipe(Effect.mapError((e) => (e.reason === "Conflict" ? refuse("AlreadyDecided") : e)))
              yield* store.appendTimeline(request.caseId, {
                kind: "approval.decided",
                actor: { kind: "user", id: d.actor },
                message: `${d.actor} ${d.decision === "deny" ? "denied" : "approved"} '${request.gate}'${final === "pending" ? ` (${approvers.length}/${request.quorum})` : ""}${d.comment ? `: ${d.comment}` : ""}`,
                data: { requestId, decision: final, payloadHash: request.payloadHash },
              })
              if (updated.decision === "approved" || updated.decision === "denied")
                yield* completeGate(updated, updated.decision)
              return updated
            }),
          )
        })

      return Engine.of({
        start: (p, input, options) =>
          Effect.gen(function* () {
            const { c, payload } = yield* prepare(p, input, options)
            const executionId = yield* c.workflow
              .execute(payload, { discard: true })
              .pipe(Effect.provideService(WorkflowEngine.WorkflowEngine, workflowEngine))
            return { runId: runIdOf(c.tag, executionId) }
          }),
        run: (p, input, options) =>
          Effect.gen(function* () {
            const { c, payload } = yield* prepare(p, input, options)
            return yield* c.workflow
              .execute(payload)
              .pipe(Effect.provideService(WorkflowEngine.WorkflowEngine, workflowEngine))
          }),
        status,
        result: (runId, opts) =>
          status(runId).pipe(
            Effect.flatMap(
              (s): Effect.Effect<RunResult, RunError | "pending"> =>
                s._tag === "Completed"
                  ? Effect.succeed(s.result)
                  : s._tag === "Failed"
                    ? Effect.fail(s.error)
                    : Effect.fail("pending" as const),
            ),
            Effect.retry({
              while: (e) => e === "pending",
              schedule: Schedule.spaced(opts?.interval ?? Duration.millis(100)),
            }),
            Effect.catchIf(
              (e): e is "pending" => e === "pending",
              () => Effect.die("unreachable"),
            ),
          ) as Effect.Effect<RunResult, RunError | RunNotFound>,
        resume: (runId) =>
          byRunId(runId).pipe(
            Effect.flatMap(({ compiled: c, executionId }) =>
              c.workflow
                .resume(executionId)
                .pipe(Effect.provideService(WorkflowEngine.WorkflowEngine, workflowEngine)),
            ),
          ),
        pendingApprovals: (filter) =>
          store.listApprovals({
            decision: ["pending", "escalated"],
            ...(filter?.runId === undefined ? {} : { runId: filter.runId }),
          }),
        decide,
      })
    }),
  )

const failureOf = (cause: import("effect").Cause.Cause<unknown>): RunError => {
  const fail = cause.reasons.find((r) => r._tag === "Fail")
  if (fail && fail._tag === "Fail") return fail.error as RunError
  const die = cause.reasons.find((r) => r._tag === "Die")
  throw die && die._tag === "Die" ? die.defect : new Error("run failed without a typed error")
}

/** The engine on `WorkflowEngine.layerMemory`: for tests and in-process use (not durable). */
export const layerMemory = (options: EngineOptions): Layer.Layer<Engine, never, CaseStore> =>
  layer(options).pipe(Layer.provide(WorkflowEngine.layerMemory))
