/**
 * Compiles a playbook AST into an effect/workflow Workflow and the body that interprets it.
 *
 * Determinism: the body is replayed on resume; only activities are journaled. Everything the
 * body computes outside activities (step transforms, decisions, call construction) must be a
 * pure function of the trigger input and earlier activity results.
 */

import { SqlWorkflowEngine } from "@riposte/workflow-sql"
import { Clock, Context, Duration, Effect, Exit, Option, Schema } from "effect"
import { ClusterSchema } from "effect/cluster"
import { Activity, DurableClock, DurableDeferred, Workflow } from "effect/workflow"
import type { Actor } from "../CaseModel.ts"
import { CaseStore } from "../CaseStore.ts"
import type { AnyCall, CallContext, ImplementationShape } from "../Connector.ts"
import {
  ConnectorError,
  InvalidInput,
  InvalidResponse,
  NotConfigured,
  PlaybookDefinitionError,
  RateLimited,
  StepError,
  Timeout,
} from "../Errors.ts"
import { allowAll, Guardrails, type PlannedCall, Verdict } from "../Guardrails.ts"
import { Reminders } from "../Reminders.ts"
import type { ApproveOptions, CallOptions, Ctx, Node, PlaybookDef } from "./ast.ts"
import { idempotencyKey, redactInput, sha256Hex, stableStringify } from "./hash.ts"
import { issueMessage, issuePath } from "./issue.ts"

// ---------------------------------------------------------------------------
// Schemas of what the workflow journals
// ---------------------------------------------------------------------------

export const RunStatus = Schema.Literals(["completed", "closed", "denied", "timed_out"])

export const RunResult = Schema.Struct({
  status: RunStatus,
  runId: Schema.String,
  caseId: Schema.String,
  path: Schema.Array(Schema.String),
})
export type RunResult = typeof RunResult.Type

export const RunFailure = Schema.Union([ConnectorError, StepError, PlaybookDefinitionError])
export type RunFailure = typeof RunFailure.Type

export const Payload = Schema.Struct({
  key: Schema.String,
  input: Schema.Unknown,
  /** Who started the run (a user id), when a person did: the requester of its approvals. */
  actor: Schema.optional(Schema.String),
})

/** What an approver sends back through the engine (never a workflow token). */
export const GateDecision = Schema.Struct({
  decision: Schema.Literals(["approved", "denied"]),
  approvers: Schema.Array(Schema.String),
  comment: Schema.NullOr(Schema.String),
})
export type GateDecision = typeof GateDecision.Type

const GateOutcome = Schema.Union([GateDecision, Schema.Struct({ decision: Schema.Literal("timeout") })])

/** The durable deferred a gate waits on; the engine completes it server-side. */
export const gateDeferred = (gatePath: string) =>
  DurableDeferred.make(`gate:${gatePath}`, { success: GateDecision })

export interface CompileOptions {
  /**
   * Durable sleeps (approval timeouts) at or below this stay in memory (effect/workflow default:
   * 60 s) and do not survive a restart. Set it to `0` on a durable engine when a short timeout
   * must fire after a restart.
   */
  readonly inMemoryThreshold?: Duration.Input
  /**
   * Suspend a run instead of failing it when a step fails (vendor down): the run shows as
   * `Suspended` and `engine.resume(runId)` re-runs it from the failed step. `true` for every
   * playbook, or the names of the playbooks it applies to. Default: fail.
   */
  readonly suspendOnFailure?: boolean | ReadonlyArray<string>
}

/** Whether `options.suspendOnFailure` applies to `def`. */
const suspendsOnFailure = (def: PlaybookDef, options: CompileOptions): boolean =>
  options.suspendOnFailure === true ||
  (Array.isArray(options.suspendOnFailure) && options.suspendOnFailure.includes(def.meta.name))

export interface Compiled {
  readonly def: PlaybookDef
  readonly tag: string
  readonly workflow: Workflow.Workflow<string, typeof Payload, typeof RunResult, typeof RunFailure>
  readonly body: (
    payload: typeof Payload.Type,
    executionId: string,
  ) => Effect.Effect<RunResult, RunFailure, CaseStore | Workflow.Execution<string> | any>
  readonly children: ReadonlyArray<PlaybookDef>
}

export const tagOf = (def: PlaybookDef): string => `riposte/${def.meta.name}@${def.meta.version}`
export const runIdOf = (tag: string, executionId: string): string => `${tag}#${executionId}`
export const parseRunId = (
  runId: string,
): { readonly tag: string; readonly executionId: string } | undefined => {
  const at = runId.lastIndexOf("#")
  return at <= 0 ? undefined : { tag: runId.slice(0, at), executionId: runId.slice(at + 1) }
}

// ---------------------------------------------------------------------------
// Static validation
// ---------------------------------------------------------------------------

/** Rejects definition mistakes that untyped callers can make. */
export const validate = (def: PlaybookDef): ReadonlyArray<PlaybookDefinitionError> => {
  const errors: Array<PlaybookDefinitionError> = []
  const fail = (step: string, detail: string) =>
    errors.push(new PlaybookDefinitionError({ playbook: def.meta.name, step, detail }))
  const walk = (nodes: ReadonlyArray<Node>, seen: Set<string>, decisions: Map<string, true>) => {
    for (const node of nodes) {
      if (node.kind !== "case" && node.kind !== "close") {
        if (seen.has(node.name) && node.kind !== "branch") fail(node.name, "duplicate step name on this path")
        if (node.name === "trigger") fail(node.name, "'trigger' is reserved")
      }
      if (node.kind !== "branch") seen.add(node.name)
      if (node.kind === "decide") decisions.set(node.name, true)
      if (node.kind === "branch") {
        if (!decisions.has(node.name)) fail(node.name, "branch on a name that is not a .decide() step")
        if (Object.keys(node.arms).length === 0) fail(node.name, "branch without arms")
        for (const arm of Object.values(node.arms)) walk(arm, new Set(seen), new Map(decisions))
      }
      if (node.kind === "approve" && node.denied) walk(node.denied, new Set(seen), new Map(decisions))
      if (node.kind === "approve") {
        const o = node.options
        if (o.roles.length === 0) fail(node.name, "approval needs at least one role")
        if (o.quorum !== undefined && (!Number.isInteger(o.quorum) || o.quorum < 1))
          fail(node.name, "quorum must be a positive integer")
        if (o.onTimeout === "escalate" && o.escalate === undefined)
          fail(node.name, "onTimeout 'escalate' needs an escalate option")
      }
    }
  }
  walk(def.nodes, new Set(), new Map())
  return errors
}

/** Child playbooks called (transitively). */
const childrenOf = (def: PlaybookDef): ReadonlyArray<PlaybookDef> => {
  const out = new Map<string, PlaybookDef>()
  const walk = (nodes: ReadonlyArray<Node>) => {
    for (const n of nodes) {
      if (n.kind === "call" && !out.has(tagOf(n.playbook))) {
        out.set(tagOf(n.playbook), n.playbook)
        walk(n.playbook.nodes)
      }
      if (n.kind === "branch") for (const arm of Object.values(n.arms)) walk(arm)
      if (n.kind === "approve" && n.denied) walk(n.denied)
    }
  }
  walk(def.nodes)
  return [...out.values()]
}

// ---------------------------------------------------------------------------
// The interpreter
// ---------------------------------------------------------------------------

interface RunState {
  readonly def: PlaybookDef
  readonly executionId: string
  readonly runId: string
  readonly caseId: string
  readonly ctx: Ctx
  readonly path: Array<string>
  /** Approval request id in force on this path (audit reference for actions). */
  approval: string | null
  /** The user who started the run, if a person did. */
  readonly actor: string | undefined
}

type Flow = { readonly _tag: "Continue" } | { readonly _tag: "End"; readonly status: typeof RunStatus.Type }
const Continue: Flow = { _tag: "Continue" }

const playbookActor = (def: PlaybookDef): Actor => ({
  kind: "playbook",
  id: `${def.meta.name}@${def.meta.version}`,
})

const serviceFor = (connector: string) =>
  Context.Service<unknown, ImplementationShape>(`@riposte/connector/${connector}`)

const stepError = (state: RunState, step: string, cause: unknown) =>
  new StepError({
    playbook: state.def.meta.name,
    step,
    detail: cause instanceof Error ? cause.message : String(cause),
  })

const connectorError = (call: AnyCall, reason: ConnectorError["reason"]) =>
  new ConnectorError({ connector: call.connector, action: call.action, reason })

/** Exponential backoff with jitter, honouring Retry-After, for retryable connector errors only. */
const withRetry = <A>(
  effect: Effect.Effect<A, ConnectorError>,
  options: CallOptions["retry"],
): Effect.Effect<A, ConnectorError> => {
  if (options === undefined || options.times <= 0) return effect
  const base = Duration.toMillis(Duration.fromInputUnsafe(options.base ?? "200 millis"))
  const max = Duration.toMillis(Duration.fromInputUnsafe(options.max ?? "30 seconds"))
  const loop = (attempt: number): Effect.Effect<A, ConnectorError> =>
    Effect.catchIf(
      effect,
      (e) => e.retryable && attempt < options.times,
      (e) => {
        const exp = Math.min(max, base * 2 ** attempt)
        const jittered = exp / 2 + Math.random() * (exp / 2)
        const retryAfter = e.reason instanceof RateLimited ? (e.reason.retryAfterMillis ?? 0) : 0
        return Effect.sleep(Duration.millis(Math.round(Math.max(jittered, retryAfter)))).pipe(
          Effect.andThen(loop(attempt + 1)),
        )
      },
    )
  return loop(0)
}

/**
 * Runs one connector call as a journaled activity. The call itself runs outside any transaction
 * (it may take seconds); `commit`, when the engine supports it, writes the call's case rows in
 * the transaction that journals its result.
 */
const callActivity = (
  state: RunState,
  name: string,
  key: string,
  call: AnyCall,
  options: CallOptions,
  commit?: (exit: Exit.Exit<unknown, ConnectorError>) => Effect.Effect<void, never, CaseStore>,
) => {
  const def = call.definition
  const execute = Effect.gen(function* () {
    const attempt = yield* Activity.CurrentAttempt
    const impl = yield* Effect.serviceOption(serviceFor(call.connector))
    const handler = Option.isSome(impl) ? impl.value.handlers[call.action] : undefined
    if (handler === undefined) return yield* connectorError(call, new NotConfigured())
    const input = yield* Schema.decodeUnknownEffect(def.input as Schema.Codec<unknown, unknown>)(
      call.input,
    ).pipe(
      Effect.mapError((issue) =>
        connectorError(call, new InvalidInput({ path: issuePath(issue), detail: issueMessage(issue) })),
      ),
    )
    const context: CallContext = {
      idempotencyKey: key,
      runId: state.runId,
      playbook: state.def.meta.name,
      step: name,
      attempt,
    }
    const timeoutMillis =
      options.timeout === undefined ? undefined : Duration.toMillis(Duration.fromInputUnsafe(options.timeout))
    const once = Effect.suspend(() => handler(input, context))
    const timed =
      timeoutMillis === undefined
        ? once
        : once.pipe(
            Effect.timeoutOrElse({
              duration: Duration.millis(timeoutMillis),
              orElse: () => Effect.fail(connectorError(call, new Timeout({ afterMillis: timeoutMillis }))),
            }),
          )
    return yield* withRetry(timed, options.retry).pipe(
      Effect.flatMap((output) =>
        Schema.encodeUnknownEffect(def.output as Schema.Codec<unknown, unknown>)(output).pipe(
          Effect.as(output),
          Effect.mapError((issue) =>
            connectorError(
              call,
              new InvalidResponse({ path: issuePath(issue), detail: issueMessage(issue) }),
            ),
          ),
        ),
      ),
      Effect.withSpan(
        `riposte.call ${call.connector}.${call.action}`,
        {
          attributes: {
            "riposte.connector": call.connector,
            "riposte.action": call.action,
            "riposte.kind": call.kind,
            "riposte.step": name,
            "riposte.attempt": attempt,
          },
        },
        { captureStackTrace: false },
      ),
      Effect.tapError((e) => Effect.annotateCurrentSpan("riposte.outcome", e.reason._tag)),
    )
  })
  const activity = Activity.make({
    name,
    success: def.output as Schema.Codec<unknown, unknown>,
    error: ConnectorError,
    execute,
  })
  return commit === undefined
    ? activity
    : activity.annotate(SqlWorkflowEngine.CommitWith, (exit) =>
        commit(exit as Exit.Exit<unknown, ConnectorError>),
      )
}

/** The reverse call of a succeeded action whose connector declares `undo`, or null. */
const undoOf = (r: CallRecord): { connector: string; action: string; input: unknown } | null => {
  const def = r.call.definition
  if (r._tag !== "Done" || !Exit.isSuccess(r.exit) || def.undo === undefined) return null
  try {
    const input = def.undoInput ? def.undoInput(r.call.input as never, r.exit.value as never) : r.call.input
    return { connector: r.call.connector, action: def.undo, input }
  } catch {
    return null
  }
}

/** How one call of a step ended, as the body knows it (from journaled results). */
type CallRecord =
  | {
      readonly _tag: "Done"
      readonly name: string
      readonly key: string
      readonly call: AnyCall
      readonly exit: Exit.Exit<unknown, ConnectorError>
    }
  | { readonly _tag: "Planned"; readonly name: string; readonly key: string; readonly call: AnyCall }
  | {
      readonly _tag: "Blocked"
      readonly name: string
      readonly key: string
      readonly call: AnyCall
      readonly reason: string
    }

/** Writes the case rows of one call of an enrich or act step (an enrichment, or an action). */
const recordCall = (
  state: RunState,
  role: "enrich" | "act",
  r: CallRecord,
  approvalRef: string | null,
): Effect.Effect<void, never, CaseStore> =>
  Effect.gen(function* () {
    const store = yield* CaseStore
    const at = yield* Clock.currentTimeMillis
    const def = r.call.definition
    const targets = targetsOf(r.call)
    if (role === "enrich") {
      const ok = r._tag === "Done" && Exit.isSuccess(r.exit)
      const assessed =
        ok && def.assess ? def.assess((r.exit as Exit.Success<unknown, never>).value) : undefined
      return yield* store.addEnrichment({
        caseId: state.caseId,
        observable: targets[0] ?? null,
        connector: r.call.connector,
        action: r.call.action,
        resultRef: `${state.runId}/${r.name}`,
        verdict: assessed?.verdict ?? "unknown",
        // A connector may hand back NaN/Infinity (never valid JSON, so never a real score).
        score: assessed?.score !== undefined && Number.isFinite(assessed.score) ? assessed.score : null,
        summary: ok
          ? (assessed?.summary ?? null)
          : `failed: ${r._tag === "Done" ? failureMessage(r.exit) : r._tag}`,
        at,
      })
    }
    const status =
      r._tag === "Planned"
        ? "planned"
        : r._tag === "Blocked"
          ? "blocked"
          : Exit.isSuccess(r.exit)
            ? "succeeded"
            : "failed"
    yield* store.recordAction({
      caseId: state.caseId,
      stepPath: r.name,
      connector: r.call.connector,
      action: r.call.action,
      kind: r.call.kind,
      inputHash: sha256Hex(stableStringify(r.call.input)),
      input: redactInput(r.call.input),
      outputSummary:
        r._tag === "Done"
          ? Exit.isSuccess(r.exit)
            ? summarize(r.exit.value)
            : failureMessage(r.exit)
          : r._tag === "Blocked"
            ? r.reason
            : `planned (dry run): ${targets.join(", ")}`,
      status,
      idempotencyKey: r.key,
      approvalRef,
      actor: playbookActor(state.def),
      at,
      undo: undoOf(r),
    })
    if (r._tag === "Blocked") {
      yield* store.appendTimeline(state.caseId, {
        kind: "guardrail",
        actor: { kind: "system", id: "guardrails" },
        message: `blocked ${r.call.connector}.${r.call.action}: ${r.reason}`,
        data: { step: r.name, targets },
      })
    }
  }).pipe(Effect.orDie)

/**
 * Writes case rows of a step's calls in one short activity. Annotated WithTransaction: on a
 * durable engine the rows commit together with the journal entry (exactly once). Used for calls
 * that ran no activity (planned, blocked) and, on engines without `CommitWith`, for every call.
 */
const recordActivity = (
  state: RunState,
  stepPath: string,
  role: "enrich" | "act",
  records: ReadonlyArray<CallRecord>,
  approvalRef: string | null,
) =>
  Activity.make({
    name: `${stepPath}/record`,
    execute: Effect.forEach(records, (r) => recordCall(state, role, r, approvalRef), { discard: true }),
  }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))

const failureMessage = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return ""
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  return error && error._tag === "Fail" ? String((error.error as Error).message ?? error.error) : "defect"
}

const summarize = (value: unknown): string | null => {
  if (value === undefined || value === null) return null
  const text = stableStringify(redactInput(value))
  return text.length > 500 ? `${text.slice(0, 500)}…` : text
}

interface PlannedSummary {
  readonly connector: string
  readonly action: string
  readonly kind: string
  readonly input: unknown
  readonly targets: ReadonlyArray<string>
}

const targetsOf = (call: AnyCall): ReadonlyArray<string> => {
  try {
    return call.definition.targets?.(call.input as never) ?? []
  } catch {
    return []
  }
}

const planOf = (calls: ReadonlyArray<AnyCall>): ReadonlyArray<PlannedSummary> =>
  calls.map((c) => ({
    connector: c.connector,
    action: c.action,
    kind: c.kind,
    input: redactInput(c.input),
    targets: targetsOf(c),
  }))

/** Evaluates the actions an approval will release, for the payload hash shown to approvers. */
const plannedActions = (
  nodes: ReadonlyArray<Node>,
  from: number,
  ctx: Ctx,
): ReadonlyArray<PlannedSummary> => {
  const planned: Array<PlannedSummary> = []
  for (let i = from; i < nodes.length; i++) {
    const node = nodes[i]!
    if (node.kind === "approve" || node.kind === "branch" || node.kind === "close") break
    if (node.kind !== "act") continue
    try {
      const calls = node.calls(ctx)
      planned.push(...planOf((Array.isArray(calls) ? calls : [calls]) as ReadonlyArray<AnyCall>))
    } catch {
      // The act depends on values produced after the gate (e.g. a search result): it is not
      // part of the payload; the case still records exactly what ran.
    }
  }
  return planned
}

const firstError = (exit: Exit.Exit<unknown, ConnectorError>): ConnectorError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  return fail && fail._tag === "Fail" ? (fail.error as ConnectorError) : undefined
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f]+/g

export const compile = (def: PlaybookDef, options: CompileOptions = {}): Compiled => {
  const errors = validate(def)
  if (errors.length > 0) throw errors[0]
  const tag = tagOf(def)
  const made = Workflow.make(tag, {
    payload: Payload,
    success: RunResult,
    error: RunFailure,
    idempotencyKey: (p) => p.key,
  })
  const workflow = suspendsOnFailure(def, options) ? made.annotate(Workflow.SuspendOnFailure, true) : made
  const inMemoryThreshold = options.inMemoryThreshold

  const runNodes = (
    state: RunState,
    nodes: ReadonlyArray<Node>,
    prefix: string,
  ): Effect.Effect<Flow, RunFailure, any> =>
    Effect.gen(function* () {
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i]!
        const flow = yield* runNode(state, nodes, i, `${prefix}${node.name}`, prefix).pipe(
          Effect.withSpan(
            `riposte.step ${node.name}`,
            {
              attributes: {
                "riposte.playbook": def.meta.name,
                "riposte.playbook.version": def.meta.version,
                "riposte.step": `${prefix}${node.name}`,
                "riposte.step.kind": node.kind,
              },
            },
            { captureStackTrace: false },
          ),
        )
        if (flow._tag === "End") return flow
      }
      return Continue
    })

  const runNode = (
    state: RunState,
    nodes: ReadonlyArray<Node>,
    index: number,
    stepPath: string,
    prefix: string,
  ): Effect.Effect<Flow, RunFailure, any> => {
    const node = nodes[index]!
    const { ctx } = state
    const pure = <A>(step: string, f: () => A) =>
      Effect.try({ try: f, catch: (cause) => stepError(state, step, cause) })
    switch (node.kind) {
      case "step":
        return Effect.gen(function* () {
          const compute = Effect.gen(function* () {
            const out = yield* pure(node.name, () => node.run(ctx))
            return Effect.isEffect(out)
              ? yield* (out as Effect.Effect<unknown, unknown>).pipe(
                  Effect.mapError((e) => stepError(state, node.name, e)),
                )
              : out
          })
          ctx[node.name] =
            node.journal === undefined
              ? yield* compute
              : yield* Activity.make({
                  name: stepPath,
                  success: node.journal as Schema.Codec<unknown, unknown>,
                  error: StepError,
                  execute: compute,
                })
          state.path.push(node.name)
          return Continue
        })
      case "decide":
        return Effect.gen(function* () {
          const value = yield* pure(node.name, () => node.decide(ctx))
          if (typeof value !== "string")
            return yield* stepError(state, node.name, "decision must be a string")
          ctx[node.name] = value
          state.path.push(`${node.name}=${value}`)
          return Continue
        })
      case "branch":
        return Effect.gen(function* () {
          const value = ctx[node.name] as string
          const arm = node.arms[value]
          if (arm === undefined) {
            return yield* new PlaybookDefinitionError({
              playbook: def.meta.name,
              step: node.name,
              detail: `no arm for outcome '${value}'`,
            })
          }
          return yield* runNodes(state, arm, `${prefix}${node.name}.${value}/`)
        })
      case "enrich":
        return Effect.gen(function* () {
          const calls = yield* pure(node.name, () => node.calls(ctx))
          const entries: Array<[string, AnyCall]> = Array.isArray(calls)
            ? calls.map((c, i) => [String(i), c as AnyCall])
            : Object.entries(calls as Record<string, AnyCall>)
          // On engines that commit a call's case rows with its journal entry, each call records
          // itself; otherwise one record activity follows the calls.
          const inJournal = yield* SqlWorkflowEngine.SupportsCommitWith
          const exits = yield* Effect.forEach(
            entries,
            ([k, call]) => {
              const name = `${stepPath}[${k}]`
              const key = idempotencyKey(state.executionId, stepPath, k)
              return Effect.exit(
                callActivity(
                  state,
                  name,
                  key,
                  call,
                  node.options,
                  inJournal
                    ? (exit) => recordCall(state, "enrich", { _tag: "Done", name, key, call, exit }, null)
                    : undefined,
                ),
              )
            },
            { concurrency: node.options.concurrency ?? 8 },
          )
          if (!inJournal && entries.length > 0) {
            const records: Array<CallRecord> = entries.map(([k, call], i) => ({
              _tag: "Done",
              name: `${stepPath}[${k}]`,
              key: idempotencyKey(state.executionId, stepPath, k),
              call,
              exit: exits[i]!,
            }))
            yield* recordActivity(state, stepPath, "enrich", records, null)
          }
          const values = exits.map((exit) => {
            if (Exit.isSuccess(exit))
              return node.options.onError === "continue" ? { _tag: "Success", value: exit.value } : exit.value
            const error = firstError(exit)
            return node.options.onError === "continue" ? { _tag: "Failure", error } : exit
          })
          if (node.options.onError !== "continue") {
            const failed = exits.find((e) => Exit.isFailure(e))
            if (failed !== undefined && Exit.isFailure(failed)) return yield* Effect.failCause(failed.cause)
          }
          ctx[node.name] = Array.isArray(calls)
            ? values
            : Object.fromEntries(entries.map(([k], i) => [k, values[i]]))
          state.path.push(node.name)
          return Continue
        })
      case "act":
        return Effect.gen(function* () {
          const calls = yield* pure(node.name, () => node.calls(ctx))
          const single = !Array.isArray(calls)
          const list = (single ? [calls] : calls) as ReadonlyArray<AnyCall>
          for (const call of list) {
            if (call.kind === "destructive" && state.approval === null && node.options.policy === undefined) {
              return yield* new PlaybookDefinitionError({
                playbook: def.meta.name,
                step: node.name,
                detail: `destructive action ${call.connector}.${call.action} without an approval on this path or an explicit policy`,
              })
            }
          }
          const approvalRef =
            state.approval ?? (node.options.policy ? `policy:${node.options.policy.name}` : null)
          const keyOf = (i: number) => idempotencyKey(state.executionId, stepPath, single ? "" : i)
          const nameOf = (i: number) => (single ? stepPath : `${stepPath}[${i}]`)
          const verdicts = yield* guardStep(state, stepPath, list, approvalRef)
          const inJournal = yield* SqlWorkflowEngine.SupportsCommitWith
          // Over budget: one approval gate for the step before anything runs.
          const needApproval = verdicts.flatMap((v) => (v._tag === "RequireApproval" ? [v] : []))
          let budgetGranted = false
          if (needApproval.length > 0) {
            const reasons = [...new Set(needApproval.map((v) => v.reason))]
            const gate = yield* approveGate(
              state,
              `${stepPath}/guardrail`,
              `${node.name} (guardrail)`,
              {
                roles: [...new Set(needApproval.flatMap((v) => v.roles))],
                timeout: "4 hours",
                onTimeout: "deny",
                summary: () => `Guardrail: ${reasons.join("; ")}`,
              },
              planOf(list),
            )
            budgetGranted = gate.outcome.decision === "approved"
          }
          const records = yield* Effect.forEach(
            list.map((call, i) => [i, call] as const),
            ([i, call]): Effect.Effect<CallRecord, never, any> => {
              const v = verdicts[i]!
              const base = { name: nameOf(i), key: keyOf(i), call }
              if (v._tag === "Plan") return Effect.succeed({ _tag: "Planned", ...base })
              if (v._tag === "Block") return Effect.succeed({ _tag: "Blocked", ...base, reason: v.reason })
              if (v._tag === "RequireApproval" && !budgetGranted) {
                return Effect.succeed({
                  _tag: "Blocked",
                  ...base,
                  reason: `${v.reason} (approval not granted)`,
                })
              }
              return Effect.map(
                Effect.exit(
                  callActivity(
                    state,
                    base.name,
                    base.key,
                    call,
                    node.options,
                    inJournal
                      ? (exit) => recordCall(state, "act", { _tag: "Done", ...base, exit }, approvalRef)
                      : undefined,
                  ),
                ),
                (exit) => ({ _tag: "Done", ...base, exit }),
              )
            },
            { concurrency: node.options.concurrency ?? 4 },
          )
          const unrecorded = inJournal ? records.filter((r) => r._tag !== "Done") : records
          if (unrecorded.length > 0) yield* recordActivity(state, stepPath, "act", unrecorded, approvalRef)
          for (const r of records)
            if (r._tag === "Done" && Exit.isFailure(r.exit)) return yield* Effect.failCause(r.exit.cause)
          const values = records.map((r) =>
            r._tag === "Done" && Exit.isSuccess(r.exit) ? r.exit.value : undefined,
          )
          ctx[node.name] = single ? values[0] : values
          state.path.push(records.some((r) => r._tag === "Planned") ? `${node.name}(planned)` : node.name)
          return Continue
        })
      case "approve":
        return Effect.gen(function* () {
          const { requestId, outcome } = yield* approveGate(
            state,
            stepPath,
            node.name,
            node.options,
            plannedActions(nodes, index + 1, ctx),
          )
          if (outcome.decision === "approved") {
            ctx[node.name] = { decision: "approved", approvers: outcome.approvers, requestId }
            state.approval = requestId
            state.path.push(`${node.name}=approved`)
            return Continue
          }
          ctx[node.name] = {
            decision: outcome.decision,
            approvers: outcome.decision === "denied" ? outcome.approvers : [],
            requestId,
            comment: outcome.decision === "denied" ? outcome.comment : null,
          }
          state.path.push(`${node.name}=${outcome.decision}`)
          if (node.denied !== undefined) {
            const flow = yield* runNodes(state, node.denied, `${prefix}${node.name}.denied/`)
            if (flow._tag === "End") return flow
          }
          return { _tag: "End", status: outcome.decision === "timeout" ? "timed_out" : "denied" } as const
        })
      case "case":
        return Effect.gen(function* () {
          const update = yield* pure(node.name, () => node.update(ctx))
          yield* Activity.make({
            name: stepPath,
            execute: Effect.gen(function* () {
              const store = yield* CaseStore
              const actor = playbookActor(def)
              const { note, observables, ...patch } = update
              if (Object.keys(patch).length > 0) yield* store.update(state.caseId, patch, actor)
              if (observables && observables.length > 0)
                yield* store.addObservables(state.caseId, observables as never)
              if (note !== undefined) yield* store.addNote(state.caseId, actor.id, note)
            }).pipe(Effect.orDie),
          }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))
          return Continue
        })
      case "close":
        return Effect.gen(function* () {
          const close = yield* pure(node.name, () => node.close(ctx))
          yield* Activity.make({
            name: stepPath,
            execute: Effect.gen(function* () {
              const store = yield* CaseStore
              yield* store.update(
                state.caseId,
                { status: close.status ?? "closed", resolution: close.resolution },
                playbookActor(def),
              )
            }).pipe(Effect.orDie),
          }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))
          state.path.push("close")
          return { _tag: "End", status: "closed" } as const
        })
      case "call":
        return Effect.gen(function* () {
          const input = yield* pure(node.name, () => node.input(ctx))
          const child = compiledChild(node.playbook)
          const encoded = yield* Schema.encodeUnknownEffect(
            node.playbook.trigger as Schema.Codec<unknown, unknown>,
          )(input).pipe(Effect.mapError((e) => stepError(state, node.name, e)))
          const result = yield* child.workflow
            .execute({ key: `${state.executionId}/${stepPath}`, input: encoded })
            .pipe(
              Effect.mapError((e) =>
                e instanceof ConnectorError || e instanceof StepError ? e : stepError(state, node.name, e),
              ),
            )
          ctx[node.name] = { status: result.status, runId: result.runId, caseId: result.caseId }
          state.path.push(node.name)
          return Continue
        })
    }
  }

  /**
   * A durable approval gate: records the request (random id, payload hash) in the case, then
   * races the gate's deferred against a durable clock. Escalates once when asked. A timeout
   * is recorded and treated as a refusal: never an approval.
   */
  const approveGate = (
    state: RunState,
    gatePath: string,
    displayName: string,
    options: Omit<ApproveOptions, "summary"> & { readonly summary: (ctx: Ctx) => string },
    planned: ReadonlyArray<PlannedSummary>,
  ) =>
    Effect.gen(function* () {
      const summary = yield* Effect.try({
        try: () => options.summary(state.ctx),
        catch: (e) => stepError(state, displayName, e),
      })
      const payloadHash = sha256Hex(stableStringify({ gate: gatePath, summary, planned }))
      const timeoutMillis = Duration.toMillis(Duration.fromInputUnsafe(options.timeout))
      const requestId = yield* Activity.make({
        name: `${gatePath}/request`,
        success: Schema.String,
        execute: Effect.gen(function* () {
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
              options.fourEyes !== false && state.actor !== undefined ? state.actor : playbookActor(def).id,
            comment: null,
            requestedAt: now,
            decidedAt: null,
            expiresAt: now + timeoutMillis,
          })
          yield* store.appendTimeline(state.caseId, {
            kind: "approval.requested",
            actor: playbookActor(def),
            message: `approval '${displayName}' requested from ${options.roles.join(", ")}: ${summary}`,
            data: { requestId: id, payloadHash, planned },
          })
          return id
        }).pipe(Effect.orDie),
      }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))
      const deferred = gateDeferred(gatePath)
      const race = (round: string, duration: Duration.Input) =>
        DurableDeferred.raceAll({
          name: `${gatePath}/${round}`,
          success: GateOutcome,
          error: Schema.Never,
          effects: [
            DurableDeferred.await(deferred),
            DurableClock.sleep({
              name: `${gatePath}/${round}/clock`,
              duration,
              ...(inMemoryThreshold === undefined ? {} : { inMemoryThreshold }),
            }).pipe(Effect.as({ decision: "timeout" as const })),
          ],
        })
      /**
       * Waits up to `duration` for a decision, reminding every `remindEvery`: each reminder is a
       * journaled activity (timeline event + the Reminders hook), so it is sent once.
       */
      const waitWithReminders = (round: string, duration: Duration.Input) =>
        Effect.gen(function* () {
          const total = Duration.toMillis(Duration.fromInputUnsafe(duration))
          const every =
            options.remindEvery === undefined
              ? total
              : Duration.toMillis(Duration.fromInputUnsafe(options.remindEvery))
          let waited = 0
          for (let n = 0; ; n++) {
            const slice = Math.min(every, total - waited)
            const outcome = yield* race(n === 0 ? round : `${round}-${n}`, Duration.millis(slice))
            waited += slice
            if (outcome.decision !== "timeout" || waited >= total) return outcome
            yield* Activity.make({
              name: `${gatePath}/${round}/remind-${n + 1}`,
              execute: Effect.gen(function* () {
                const store = yield* CaseStore
                const request = yield* store.getApproval(requestId)
                yield* store.appendTimeline(state.caseId, {
                  kind: "approval.requested",
                  actor: { kind: "system", id: "riposte" },
                  message: `reminder ${n + 1}: approval '${displayName}' still waits for ${request.roles.join(", ")}`,
                  data: { requestId },
                })
                yield* (yield* Reminders).remind(request)
              }).pipe(Effect.orDie),
            }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))
          }
        })
      let outcome: typeof GateOutcome.Type = yield* waitWithReminders("wait", options.timeout)
      if (outcome.decision === "timeout" && options.onTimeout === "escalate" && options.escalate) {
        const escalate = options.escalate
        yield* Activity.make({
          name: `${gatePath}/escalate`,
          execute: Effect.gen(function* () {
            const store = yield* CaseStore
            yield* store.decideApproval(requestId, {
              decision: "escalated",
              approvers: [],
              comment: null,
              roles: [...escalate.roles],
              extendMillis: Duration.toMillis(Duration.fromInputUnsafe(escalate.timeout)),
            })
            yield* store.appendTimeline(state.caseId, {
              kind: "approval.requested",
              actor: { kind: "system", id: "riposte" },
              message: `approval '${displayName}' escalated to ${escalate.roles.join(", ")}`,
              data: { requestId },
            })
          }).pipe(Effect.orDie),
        }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))
        outcome = yield* waitWithReminders("escalated", escalate.timeout)
      }
      if (outcome.decision === "timeout") {
        yield* Activity.make({
          name: `${gatePath}/timeout`,
          execute: Effect.gen(function* () {
            const store = yield* CaseStore
            yield* store
              .decideApproval(requestId, { decision: "timeout", approvers: [], comment: null })
              .pipe(
                // A decision that raced the clock and won in the store stays as decided.
                Effect.catchIf(
                  (e) => e.reason === "Conflict",
                  () => Effect.void,
                ),
              )
            yield* store.appendTimeline(state.caseId, {
              kind: "approval.decided",
              actor: { kind: "system", id: "riposte" },
              message: `approval '${displayName}' timed out: treated as denied`,
              data: { requestId },
            })
          }).pipe(Effect.orDie),
        }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))
      }
      return { requestId, outcome }
    })

  /** Consults the guardrails once per act step, in a journaled activity (counters reserved once). */
  const guardStep = (
    state: RunState,
    stepPath: string,
    list: ReadonlyArray<AnyCall>,
    approvalRef: string | null,
  ) =>
    Effect.gen(function* () {
      const guard = yield* Guardrails
      if (guard === allowAll) return list.map((): Verdict => ({ _tag: "Allow" }))
      return yield* Activity.make({
        name: `${stepPath}/guard`,
        success: Schema.Array(Verdict),
        execute: Effect.gen(function* () {
          const store = yield* CaseStore
          const record = yield* store.get(state.caseId).pipe(Effect.orDie)
          const planned: Array<PlannedCall> = list.map((call, index) => ({
            runId: state.runId,
            caseId: state.caseId,
            playbook: def.meta.name,
            playbookVersion: def.meta.version,
            tenant: record.tenant,
            step: stepPath,
            index,
            connector: call.connector,
            action: call.action,
            kind: call.kind,
            budget: call.definition.budget,
            targets: targetsOf(call),
            input: redactInput(call.input),
            approvalRef,
          }))
          return yield* guard.check(planned)
        }),
      }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))
    })

  const children = childrenOf(def)
  const childCache = new Map<string, Compiled>()
  const compiledChild = (child: PlaybookDef): Compiled => {
    const t = tagOf(child)
    let c = childCache.get(t)
    if (c === undefined) {
      c = compile(child, options)
      childCache.set(t, c)
    }
    return c
  }

  const body: Compiled["body"] = (payload, executionId) =>
    Effect.gen(function* () {
      const runId = runIdOf(tag, executionId)
      const trigger = yield* Schema.decodeUnknownEffect(def.trigger as Schema.Codec<unknown, unknown>)(
        payload.input,
      ).pipe(
        Effect.mapError(
          (issue) => new StepError({ playbook: def.meta.name, step: "trigger", detail: String(issue) }),
        ),
      )
      const rawTitle = yield* Effect.try({
        try: () => (def.caseTitle ? def.caseTitle(trigger) : `${def.meta.name}: ${payload.key.slice(0, 80)}`),
        catch: (e) => new StepError({ playbook: def.meta.name, step: "caseTitle", detail: String(e) }),
      })
      // Titles come from attacker-controlled alerts: no control characters, bounded length.
      const title = rawTitle.replace(controlCharacters, " ").trim().slice(0, 500) || def.meta.name
      const caseId = yield* Activity.make({
        name: "riposte/open-case",
        success: Schema.String,
        execute: Effect.gen(function* () {
          const store = yield* CaseStore
          const opened = yield* store.open(
            {
              title,
              severity: "medium",
              playbook: def.meta.name,
              playbookVersion: def.meta.version,
              runId,
              dedupKey: `${def.meta.name}:${payload.key}`,
              alert: payload.input,
            },
            { actor: playbookActor(def) },
          )
          return opened.case.id
        }).pipe(Effect.orDie),
      }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))
      const state: RunState = {
        def,
        executionId,
        runId,
        caseId,
        ctx: { trigger },
        path: [],
        approval: null,
        actor: payload.actor,
      }
      const flow = yield* runNodes(state, def.nodes, "")
      const status = flow._tag === "End" ? flow.status : "completed"
      yield* Activity.make({
        name: "riposte/finish",
        execute: Effect.gen(function* () {
          const store = yield* CaseStore
          yield* store.appendTimeline(caseId, {
            kind: "step.completed",
            actor: playbookActor(def),
            message: `run ${status}: ${state.path.join(" → ")}`,
            data: { status, path: state.path },
          })
        }).pipe(Effect.orDie),
      }).pipe((a) => a.annotate(ClusterSchema.WithTransaction, true))
      return { status, runId, caseId, path: state.path }
    }).pipe(
      Effect.withSpan(
        `riposte.run ${def.meta.name}`,
        {
          attributes: {
            "riposte.playbook": def.meta.name,
            "riposte.playbook.version": def.meta.version,
            "riposte.run.id": runIdOf(tag, executionId),
          },
        },
        { captureStackTrace: false },
      ),
    )

  return { def, tag, workflow, body, children }
}

/** Completes a gate's deferred (server-side; the deferred token never leaves the engine). */
export const gateExit = (decision: GateDecision) => Exit.succeed(decision)
