/**
 * Compiles a playbook AST into an effect/workflow Workflow and the body that interprets it.
 *
 * Determinism: the body is replayed on resume; only activities are journaled. Everything the
 * body computes outside activities (step transforms, decisions, call construction) must be a
 * pure function of the trigger input and earlier activity results.
 *
 * Cost: the body runs on every execution and every replay, so everything that is a pure
 * function of the definition (step paths, span options, activities, codecs, durations) is
 * prepared once here, when the playbook is compiled, and work that only a first execution needs
 * (idempotency keys, payload hashes) happens inside the activities.
 */

import { SqlWorkflowEngine } from "@riposte/workflow-sql"
import { type Duration, Effect, Exit, Schema } from "effect"
import { Workflow } from "effect/workflow"
import { CaseStore } from "../CaseStore.ts"
import type { AnyCall } from "../Connector.ts"
import { ConnectorError, PlaybookDefinitionError, StepError } from "../Errors.ts"
import { allowAll, Guardrails, type PlannedCall, Verdict } from "../Guardrails.ts"
import { inTransaction, shared } from "./activity.ts"
import type { Node, PlaybookDef } from "./ast.ts"
import {
  type CallRecord,
  type CallSite,
  callActivities,
  decoderOf,
  encoderOf,
  firstError,
  planCalls,
  plannedActions,
  planOf,
  recordActivity,
  targetsOf,
} from "./calls.ts"
import { makeGate } from "./gate.ts"
import { redactInput } from "./hash.ts"
import { Continue, type Flow, playbookActor, type RunState, stepError } from "./run.ts"

export { GateDecision, gateDeferred, gateExit } from "./gate.ts"

// ---------------------------------------------------------------------------
// Schemas of what the workflow journals
// ---------------------------------------------------------------------------

export const RunStatus = Schema.Literals(["completed", "closed", "denied", "timed_out"])
type RunStatus = typeof RunStatus.Type

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
  /** `Schema.decodeUnknownEffect` of the trigger schema, built once. */
  readonly decodeTrigger: (input: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  /** `Schema.encodeUnknownEffect` of the trigger schema, built once. */
  readonly encodeTrigger: (input: unknown) => Effect.Effect<unknown, Schema.SchemaError>
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

/** A compiled step (or sequence of steps): what one execution of it does. */
type Runner = (state: RunState) => Effect.Effect<Flow, RunFailure, any>

const Verdicts = Schema.Array(Verdict)
const allow: Verdict = { _tag: "Allow" }

/** A user function of the context; a throw is the step's `StepError`. */
const pure = <A>(state: RunState, step: string, f: () => A) =>
  Effect.try({ try: f, catch: (cause) => stepError(state, step, cause) })

/** `Effect.forEach` with `concurrency`, except that a single call runs inline (no fiber is forked). */
const forEachCall = <A, B>(
  items: ReadonlyArray<A>,
  f: (a: A, i: number) => Effect.Effect<B, never, any>,
  concurrency: number,
): Effect.Effect<Array<B>, never, any> =>
  items.length === 1 ? Effect.map(f(items[0]!, 0), (b) => [b]) : Effect.forEach(items, f, { concurrency })

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
  const decodeTrigger = decoderOf(def.trigger)
  const encodeTrigger = encoderOf(def.trigger)

  /** The steps of one path, each in its span; stops at the first step that ends the path. */
  const compileNodes = (nodes: ReadonlyArray<Node>, prefix: string): Runner => {
    const steps = nodes.map((node, index) => {
      const stepPath = `${prefix}${node.name}`
      const run = compileNode(nodes, index, stepPath, prefix)
      const inSpan = Effect.withSpan(
        `riposte.step ${node.name}`,
        {
          attributes: {
            "riposte.playbook": def.meta.name,
            "riposte.playbook.version": def.meta.version,
            "riposte.step": stepPath,
            "riposte.step.kind": node.kind,
          },
        },
        { captureStackTrace: false },
      )
      return (state: RunState) => inSpan(run(state))
    })
    const done = Effect.succeed(Continue)
    return (state) => {
      const from = (i: number): Effect.Effect<Flow, RunFailure, any> =>
        i === steps.length
          ? done
          : Effect.flatMap(steps[i]!(state), (flow) =>
              flow._tag === "End" ? Effect.succeed(flow) : from(i + 1),
            )
      return from(0)
    }
  }

  const compileNode = (
    nodes: ReadonlyArray<Node>,
    index: number,
    stepPath: string,
    prefix: string,
  ): Runner => {
    const node = nodes[index]!
    switch (node.kind) {
      case "step": {
        const compute = (state: RunState) =>
          Effect.flatMap(
            pure(state, node.name, () => node.run(state.ctx)),
            (out): Effect.Effect<unknown, StepError> =>
              Effect.isEffect(out)
                ? (out as Effect.Effect<unknown, unknown>).pipe(
                    Effect.mapError((e) => stepError(state, node.name, e)),
                  )
                : Effect.succeed(out),
          )
        const journaled =
          node.journal === undefined
            ? undefined
            : shared({
                name: stepPath,
                success: node.journal as Schema.Codec<unknown, unknown>,
                error: StepError,
                execute: compute,
              })
        return (state) =>
          Effect.map(journaled === undefined ? compute(state) : journaled(state), (value) => {
            state.ctx[node.name] = value
            state.path.push(node.name)
            return Continue
          })
      }
      case "decide":
        return (state) =>
          Effect.flatMap(
            pure(state, node.name, () => node.decide(state.ctx)),
            (value) => {
              if (typeof value !== "string")
                return Effect.fail(stepError(state, node.name, "decision must be a string"))
              state.ctx[node.name] = value
              state.path.push(`${node.name}=${value}`)
              return Effect.succeed(Continue)
            },
          )
      case "branch": {
        const arms = new Map<string, Runner>()
        for (const [value, arm] of Object.entries(node.arms))
          arms.set(value, compileNodes(arm, `${prefix}${node.name}.${value}/`))
        return (state) => {
          const value = state.ctx[node.name] as string
          const arm = node.arms[value]
          if (arm === undefined) {
            return Effect.fail(
              new PlaybookDefinitionError({
                playbook: def.meta.name,
                step: node.name,
                detail: `no arm for outcome '${value}'`,
              }),
            )
          }
          const run = Object.hasOwn(node.arms, value)
            ? arms.get(value)!
            : compileNodes(Array.from(arm), `${prefix}${node.name}.${value}/`)
          return run(state)
        }
      }
      case "enrich":
        return compileEnrich(node, stepPath)
      case "act":
        return compileAct(node, stepPath)
      case "approve": {
        const gate = makeGate(stepPath, node.name, inMemoryThreshold)
        const denied =
          node.denied === undefined ? undefined : compileNodes(node.denied, `${prefix}${node.name}.denied/`)
        return (state) =>
          Effect.gen(function* () {
            const { ctx } = state
            const { requestId, outcome } = yield* gate(state, node.options, () =>
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
            if (denied !== undefined) {
              const flow = yield* denied(state)
              if (flow._tag === "End") return flow
            }
            return { _tag: "End", status: outcome.decision === "timeout" ? "timed_out" : "denied" } as const
          })
      }
      case "case": {
        const write = shared({
          name: stepPath,
          annotations: inTransaction,
          execute: ({ state, update }: { state: RunState; update: ReturnType<typeof node.update> }) =>
            Effect.gen(function* () {
              const store = yield* CaseStore
              const actor = playbookActor(def)
              const { note, observables, ...patch } = update
              if (Object.keys(patch).length > 0) yield* store.update(state.caseId, patch, actor)
              if (observables && observables.length > 0)
                yield* store.addObservables(state.caseId, observables as never)
              if (note !== undefined) yield* store.addNote(state.caseId, actor.id, note)
            }).pipe(Effect.orDie),
        })
        return (state) =>
          pure(state, node.name, () => node.update(state.ctx)).pipe(
            Effect.flatMap((update) => write({ state, update })),
            Effect.as(Continue),
          )
      }
      case "close": {
        const write = shared({
          name: stepPath,
          annotations: inTransaction,
          execute: ({ state, close }: { state: RunState; close: ReturnType<typeof node.close> }) =>
            Effect.gen(function* () {
              const store = yield* CaseStore
              yield* store.update(
                state.caseId,
                { status: close.status ?? "closed", resolution: close.resolution },
                playbookActor(def),
              )
            }).pipe(Effect.orDie),
        })
        const end: Flow = { _tag: "End", status: "closed" }
        return (state) =>
          pure(state, node.name, () => node.close(state.ctx)).pipe(
            Effect.flatMap((close) => write({ state, close })),
            Effect.map(() => {
              state.path.push("close")
              return end
            }),
          )
      }
      case "call":
        return (state) =>
          Effect.gen(function* () {
            const input = yield* pure(state, node.name, () => node.input(state.ctx))
            const child = compiledChild(node.playbook)
            const encoded = yield* child
              .encodeTrigger(input)
              .pipe(Effect.mapError((e) => stepError(state, node.name, e)))
            const result = yield* child.workflow
              .execute({ key: `${state.executionId}/${stepPath}`, input: encoded })
              .pipe(
                Effect.mapError((e) =>
                  e instanceof ConnectorError || e instanceof StepError ? e : stepError(state, node.name, e),
                ),
              )
            state.ctx[node.name] = { status: result.status, runId: result.runId, caseId: result.caseId }
            state.path.push(node.name)
            return Continue
          })
    }
  }

  /** Parallel calls, each its own journaled activity, then their case rows. */
  const compileEnrich = (node: Extract<Node, { kind: "enrich" }>, stepPath: string): Runner => {
    const call = callActivities("enrich", planCalls(node.options))
    const record = recordActivity(stepPath, "enrich")
    const concurrency = node.options.concurrency ?? 8
    const continueOnError = node.options.onError === "continue"
    return (state) =>
      Effect.flatMap(
        pure(state, node.name, () => node.calls(state.ctx)),
        (calls) => {
          const sites: Array<CallSite> = Array.isArray(calls)
            ? calls.map((c, i) => ({
                name: `${stepPath}[${i}]`,
                stepPath,
                index: String(i),
                call: c as AnyCall,
              }))
            : Object.entries(calls as Record<string, AnyCall>).map(([k, c]) => ({
                name: `${stepPath}[${k}]`,
                stepPath,
                index: k,
                call: c,
              }))
          const settle = (exits: ReadonlyArray<Exit.Exit<unknown, ConnectorError>>) => {
            const values = exits.map((exit) => {
              if (Exit.isSuccess(exit))
                return continueOnError ? { _tag: "Success", value: exit.value } : exit.value
              const error = firstError(exit)
              return continueOnError ? { _tag: "Failure", error } : exit
            })
            if (!continueOnError) {
              const failed = exits.find((e) => Exit.isFailure(e))
              if (failed !== undefined && Exit.isFailure(failed)) return Effect.failCause(failed.cause)
            }
            state.ctx[node.name] = Array.isArray(calls)
              ? values
              : Object.fromEntries(sites.map((site, i) => [site.index, values[i]]))
            state.path.push(node.name)
            return Effect.succeed(Continue)
          }
          return Effect.flatMap(
            forEachCall(sites, (site) => Effect.exit(call(state, site, null)), concurrency),
            (exits) =>
              // On engines that commit a call's case rows with its journal entry, each call records
              // itself; otherwise one record activity follows the calls.
              !state.inJournal && sites.length > 0
                ? Effect.flatMap(
                    record(
                      state,
                      sites.map((site, i): CallRecord => ({ ...site, _tag: "Done", exit: exits[i]! })),
                      null,
                    ),
                    () => settle(exits),
                  )
                : settle(exits),
          )
        },
      )
  }

  /** Side effects: checked by the guardrails (once per step), gated when over budget, recorded. */
  const compileAct = (node: Extract<Node, { kind: "act" }>, stepPath: string): Runner => {
    const call = callActivities("act", planCalls(node.options))
    const record = recordActivity(stepPath, "act")
    const guardrailGate = makeGate(`${stepPath}/guardrail`, `${node.name} (guardrail)`, inMemoryThreshold)
    const concurrency = node.options.concurrency ?? 4
    const policy = node.options.policy
    /** Consults the guardrails once per act step, in a journaled activity (counters reserved once). */
    const guard = shared({
      name: `${stepPath}/guard`,
      success: Verdicts,
      annotations: inTransaction,
      execute: (i: {
        readonly state: RunState
        readonly list: ReadonlyArray<AnyCall>
        readonly approvalRef: string | null
        readonly guard: typeof Guardrails.Service
      }) =>
        Effect.gen(function* () {
          const { state } = i
          const store = yield* CaseStore
          const record = yield* store.get(state.caseId).pipe(Effect.orDie)
          const planned: Array<PlannedCall> = i.list.map((call, index) => ({
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
            approvalRef: i.approvalRef,
          }))
          return yield* i.guard.check(planned)
        }),
    })
    return (state) =>
      Effect.gen(function* () {
        const calls = yield* pure(state, node.name, () => node.calls(state.ctx))
        const single = !Array.isArray(calls)
        const list = (single ? [calls] : calls) as ReadonlyArray<AnyCall>
        for (const call of list) {
          if (call.kind === "destructive" && state.approval === null && policy === undefined) {
            return yield* new PlaybookDefinitionError({
              playbook: def.meta.name,
              step: node.name,
              detail: `destructive action ${call.connector}.${call.action} without an approval on this path or an explicit policy`,
            })
          }
        }
        const approvalRef = state.approval ?? (policy ? `policy:${policy.name}` : null)
        const guardrails = yield* Guardrails
        const verdicts: ReadonlyArray<Verdict> =
          guardrails === allowAll
            ? list.map(() => allow)
            : yield* guard({ state, list, approvalRef, guard: guardrails })
        // Over budget: one approval gate for the step before anything runs.
        const needApproval = verdicts.flatMap((v) => (v._tag === "RequireApproval" ? [v] : []))
        let budgetGranted = false
        if (needApproval.length > 0) {
          const reasons = [...new Set(needApproval.map((v) => v.reason))]
          const gate = yield* guardrailGate(
            state,
            {
              roles: [...new Set(needApproval.flatMap((v) => v.roles))],
              timeout: "4 hours",
              onTimeout: "deny",
              summary: () => `Guardrail: ${reasons.join("; ")}`,
            },
            () => planOf(list),
          )
          budgetGranted = gate.outcome.decision === "approved"
        }
        const records = yield* forEachCall(
          list,
          (c, i): Effect.Effect<CallRecord, never, any> => {
            const v = verdicts[i]!
            const site: CallSite = single
              ? { name: stepPath, stepPath, index: "", call: c }
              : { name: `${stepPath}[${i}]`, stepPath, index: i, call: c }
            if (v._tag === "Plan") return Effect.succeed({ ...site, _tag: "Planned" })
            if (v._tag === "Block") return Effect.succeed({ ...site, _tag: "Blocked", reason: v.reason })
            if (v._tag === "RequireApproval" && !budgetGranted) {
              return Effect.succeed({
                ...site,
                _tag: "Blocked",
                reason: `${v.reason} (approval not granted)`,
              })
            }
            return Effect.map(
              Effect.exit(call(state, site, approvalRef)),
              (exit): CallRecord => ({ ...site, _tag: "Done", exit }),
            )
          },
          concurrency,
        )
        const unrecorded = state.inJournal ? records.filter((r) => r._tag !== "Done") : records
        if (unrecorded.length > 0) yield* record(state, unrecorded, approvalRef)
        for (const r of records)
          if (r._tag === "Done" && Exit.isFailure(r.exit)) return yield* Effect.failCause(r.exit.cause)
        const values = records.map((r) =>
          r._tag === "Done" && Exit.isSuccess(r.exit) ? r.exit.value : undefined,
        )
        state.ctx[node.name] = single ? values[0] : values
        state.path.push(records.some((r) => r._tag === "Planned") ? `${node.name}(planned)` : node.name)
        return Continue
      })
  }

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

  const openCase = shared({
    name: "riposte/open-case",
    success: Schema.String,
    annotations: inTransaction,
    execute: (i: { readonly title: string; readonly runId: string; readonly payload: typeof Payload.Type }) =>
      Effect.gen(function* () {
        const store = yield* CaseStore
        const opened = yield* store.open(
          {
            title: i.title,
            severity: "medium",
            playbook: def.meta.name,
            playbookVersion: def.meta.version,
            runId: i.runId,
            dedupKey: `${def.meta.name}:${i.payload.key}`,
            alert: i.payload.input,
          },
          { actor: playbookActor(def) },
        )
        return opened.case.id
      }).pipe(Effect.orDie),
  })

  const finish = shared({
    name: "riposte/finish",
    annotations: inTransaction,
    execute: (i: { readonly caseId: string; readonly status: RunStatus; readonly path: Array<string> }) =>
      Effect.gen(function* () {
        const store = yield* CaseStore
        yield* store.appendTimeline(i.caseId, {
          kind: "step.completed",
          actor: playbookActor(def),
          message: `run ${i.status}: ${i.path.join(" → ")}`,
          data: { status: i.status, path: i.path },
        })
      }).pipe(Effect.orDie),
  })

  const runNodes = compileNodes(def.nodes, "")
  const runSpanName = `riposte.run ${def.meta.name}`

  const body: Compiled["body"] = (payload, executionId) => {
    const runId = runIdOf(tag, executionId)
    return Effect.gen(function* () {
      const trigger = yield* decodeTrigger(payload.input).pipe(
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
      const caseId = yield* openCase({ title, runId, payload })
      const state: RunState = {
        def,
        executionId,
        runId,
        caseId,
        ctx: { trigger },
        path: [],
        approval: null,
        actor: payload.actor,
        inJournal: yield* SqlWorkflowEngine.SupportsCommitWith,
      }
      const flow = yield* runNodes(state)
      const status = flow._tag === "End" ? flow.status : "completed"
      yield* finish({ caseId, status, path: state.path })
      return { status, runId, caseId, path: state.path }
    }).pipe(
      Effect.withSpan(
        runSpanName,
        {
          attributes: {
            "riposte.playbook": def.meta.name,
            "riposte.playbook.version": def.meta.version,
            "riposte.run.id": runId,
          },
        },
        { captureStackTrace: false },
      ),
    )
  }

  return { def, tag, workflow, body, children, decodeTrigger, encodeTrigger }
}
