/**
 * Compiles a playbook AST into an effect/workflow Workflow and the body that interprets it.
 *
 * Determinism: the body is replayed on resume; only activities are journaled. Everything the
 * body computes outside activities (step transforms, decisions, call construction) must be a
 * pure function of the trigger input and earlier activity results.
 */
import { Clock, Context, Duration, Effect, Exit, Option, Schema } from "effect"
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
import type { ApproveOptions, CallOptions, Ctx, Node, PlaybookDef } from "./ast.ts"
import { idempotencyKey, redactInput, sha256Hex, stableStringify } from "./hash.ts"

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

export const Payload = Schema.Struct({ key: Schema.String, input: Schema.Unknown })

/** What an approver sends back through the engine (never a workflow token). */
export const GateDecision = Schema.Struct({
  decision: Schema.Literals(["approved", "denied"]),
  approvers: Schema.Array(Schema.String),
  comment: Schema.NullOr(Schema.String),
})
export type GateDecision = typeof GateDecision.Type

const GateOutcome = Schema.Union([GateDecision, Schema.Struct({ decision: Schema.Literal("timeout") })])

/** The durable deferred a gate waits on; the engine completes it server-side. */
export const gateDeferred = (gatePath: string) => DurableDeferred.make(`gate:${gatePath}`, { success: GateDecision })

export interface CompileOptions {
  /** Durable sleeps at or below this stay in memory (effect/workflow default: 60 s). */
  readonly inMemoryThreshold?: Duration.Input
}

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
export const parseRunId = (runId: string): { readonly tag: string; readonly executionId: string } | undefined => {
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
        if (o.quorum !== undefined && (!Number.isInteger(o.quorum) || o.quorum < 1)) fail(node.name, "quorum must be a positive integer")
        if (o.onTimeout === "escalate" && o.escalate === undefined) fail(node.name, "onTimeout 'escalate' needs an escalate option")
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
}

type Flow = { readonly _tag: "Continue" } | { readonly _tag: "End"; readonly status: typeof RunStatus.Type }
const Continue: Flow = { _tag: "Continue" }

const playbookActor = (def: PlaybookDef): Actor => ({ kind: "playbook", id: `${def.meta.name}@${def.meta.version}` })

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
        return Effect.sleep(Duration.millis(Math.max(jittered, retryAfter))).pipe(Effect.andThen(loop(attempt + 1)))
      },
    )
  return loop(0)
}

const schemaPath = (issue: unknown): string => {
  const text = String(issue)
  const m = /at \[([^\]]*)\]/.exec(text) ?? /\["?([^"\]]+)"?\]/.exec(text)
  return m?.[1] ?? "$"
}

/** Runs one connector call as a journaled activity. */
const callActivity = (
  state: RunState,
  stepPath: string,
  index: number | string,
  call: AnyCall,
  options: CallOptions & { readonly policy?: { readonly name: string } | undefined },
  role: "enrich" | "act",
) => {
  const key = idempotencyKey(state.executionId, stepPath, index)
  const name = index === "" ? stepPath : `${stepPath}[${index}]`
  const def = call.definition
  const execute = Effect.gen(function* () {
    const store = yield* CaseStore
    const attempt = yield* Activity.CurrentAttempt
    const impl = yield* Effect.serviceOption(serviceFor(call.connector))
    const handler = Option.isSome(impl) ? impl.value.handlers[call.action] : undefined
    if (handler === undefined) return yield* connectorError(call, new NotConfigured())
    const input = yield* Schema.decodeUnknownEffect(def.input as Schema.Codec<unknown, unknown>)(call.input).pipe(
      Effect.mapError((issue) => connectorError(call, new InvalidInput({ path: schemaPath(issue), detail: String(issue) }))),
    )
    const context: CallContext = { idempotencyKey: key, runId: state.runId, playbook: state.def.meta.name, step: name, attempt }
    const timeoutMillis = options.timeout === undefined ? undefined : Duration.toMillis(Duration.fromInputUnsafe(options.timeout))
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
    const exit = yield* Effect.exit(
      withRetry(timed, options.retry).pipe(
        Effect.flatMap((output) =>
          Schema.encodeUnknownEffect(def.output as Schema.Codec<unknown, unknown>)(output).pipe(
            Effect.as(output),
            Effect.mapError((issue) =>
              connectorError(call, new InvalidResponse({ path: schemaPath(issue), detail: String(issue) })),
            ),
          ),
        ),
        Effect.withSpan(`riposte.call ${call.connector}.${call.action}`, {
          attributes: {
            "riposte.connector": call.connector,
            "riposte.action": call.action,
            "riposte.kind": call.kind,
            "riposte.step": name,
            "riposte.attempt": attempt,
          },
        }),
      ),
    )
    const at = yield* Clock.currentTimeMillis
    const actor = playbookActor(state.def)
    if (role === "enrich") {
      const assessed = Exit.isSuccess(exit) && def.assess ? def.assess(exit.value) : undefined
      const observable = def.targets ? (def.targets(input)[0] ?? null) : null
      yield* store.addEnrichment({
        caseId: state.caseId,
        observable,
        connector: call.connector,
        action: call.action,
        resultRef: `${state.runId}/${name}`,
        verdict: assessed?.verdict ?? "unknown",
        score: assessed?.score ?? null,
        summary: Exit.isSuccess(exit) ? (assessed?.summary ?? null) : `failed: ${failureMessage(exit)}`,
        at,
      }).pipe(Effect.orDie)
    } else {
      yield* store.recordAction({
        caseId: state.caseId,
        stepPath: name,
        connector: call.connector,
        action: call.action,
        kind: call.kind,
        inputHash: sha256Hex(stableStringify(call.input)),
        input: redactInput(call.input),
        outputSummary: Exit.isSuccess(exit) ? summarize(exit.value) : failureMessage(exit),
        status: Exit.isSuccess(exit) ? "succeeded" : "failed",
        idempotencyKey: key,
        approvalRef: state.approval ?? (options.policy ? `policy:${options.policy.name}` : null),
        actor,
        at,
      }).pipe(Effect.orDie)
    }
    return yield* exit
  })
  return Activity.make({
    name,
    success: def.output as Schema.Codec<unknown, unknown>,
    error: ConnectorError,
    execute,
  })
}

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

/** Evaluates the actions an approval will release, for the payload hash shown to approvers. */
const plannedActions = (nodes: ReadonlyArray<Node>, from: number, ctx: Ctx) => {
  const planned: Array<{ connector: string; action: string; kind: string; input: unknown; targets: ReadonlyArray<string> }> = []
  for (let i = from; i < nodes.length; i++) {
    const node = nodes[i]!
    if (node.kind === "approve" || node.kind === "branch" || node.kind === "close") break
    if (node.kind !== "act") continue
    try {
      const calls = node.calls(ctx)
      for (const call of Array.isArray(calls) ? calls : [calls]) {
        const c = call as AnyCall
        let targets: ReadonlyArray<string> = []
        try {
          targets = c.definition.targets?.(c.input) ?? []
        } catch {
          targets = []
        }
        planned.push({ connector: c.connector, action: c.action, kind: c.kind, input: redactInput(c.input), targets })
      }
    } catch {
      // The act depends on values produced after the gate (e.g. a search result): it is not
      // part of the payload; the case still records exactly what ran.
    }
  }
  return planned
}

export const compile = (def: PlaybookDef, options: CompileOptions = {}): Compiled => {
  const errors = validate(def)
  if (errors.length > 0) throw errors[0]
  const tag = tagOf(def)
  const workflow = Workflow.make(tag, {
    payload: Payload,
    success: RunResult,
    error: RunFailure,
    idempotencyKey: (p) => p.key,
  })
  const inMemoryThreshold = options.inMemoryThreshold

  const runNodes = (state: RunState, nodes: ReadonlyArray<Node>, prefix: string): Effect.Effect<Flow, RunFailure, any> =>
    Effect.gen(function* () {
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i]!
        const flow = yield* runNode(state, nodes, i, `${prefix}${node.name}`, prefix).pipe(
          Effect.withSpan(`riposte.step ${node.name}`, {
            attributes: {
              "riposte.playbook": def.meta.name,
              "riposte.playbook.version": def.meta.version,
              "riposte.step": `${prefix}${node.name}`,
              "riposte.step.kind": node.kind,
            },
          }),
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
          const out = yield* pure(node.name, () => node.run(ctx))
          ctx[node.name] = Effect.isEffect(out)
            ? yield* (out as Effect.Effect<unknown, unknown>).pipe(Effect.mapError((e) => stepError(state, node.name, e)))
            : out
          state.path.push(node.name)
          return Continue
        })
      case "decide":
        return Effect.gen(function* () {
          const value = yield* pure(node.name, () => node.decide(ctx))
          if (typeof value !== "string") return yield* stepError(state, node.name, "decision must be a string")
          ctx[node.name] = value
          state.path.push(`${node.name}=${value}`)
          return Continue
        })
      case "branch":
        return Effect.gen(function* () {
          const value = ctx[node.name] as string
          const arm = node.arms[value]
          if (arm === undefined) {
            return yield* new PlaybookDefinitionError({ playbook: def.meta.name, step: node.name, detail: `no arm for outcome '${value}'` })
          }
          return yield* runNodes(state, arm, `${prefix}${node.name}.${value}/`)
        })
      case "enrich":
        return Effect.gen(function* () {
          const calls = yield* pure(node.name, () => node.calls(ctx))
          const entries: Array<[string, AnyCall]> = Array.isArray(calls)
            ? calls.map((c, i) => [String(i), c as AnyCall])
            : Object.entries(calls as Record<string, AnyCall>)
          const results = yield* Effect.forEach(
            entries,
            ([key, call]) => {
              const activity = callActivity(state, stepPath, key, call, node.options, "enrich")
              return node.options.onError === "continue"
                ? Effect.match(activity, {
                    onSuccess: (value) => ({ _tag: "Success" as const, value }),
                    onFailure: (error) => ({ _tag: "Failure" as const, error }),
                  })
                : activity
            },
            { concurrency: node.options.concurrency ?? 8 },
          )
          ctx[node.name] = Array.isArray(calls) ? results : Object.fromEntries(entries.map(([k], i) => [k, results[i]]))
          state.path.push(node.name)
          return Continue
        })
      case "act":
        return Effect.gen(function* () {
          const calls = yield* pure(node.name, () => node.calls(ctx))
          const list = (Array.isArray(calls) ? calls : [calls]) as ReadonlyArray<AnyCall>
          for (const call of list) {
            if (call.kind === "destructive" && state.approval === null && node.options.policy === undefined) {
              return yield* new PlaybookDefinitionError({
                playbook: def.meta.name,
                step: node.name,
                detail: `destructive action ${call.connector}.${call.action} without an approval on this path or an explicit policy`,
              })
            }
          }
          const results = yield* Effect.forEach(
            list.map((call, i) => [i, call] as const),
            ([i, call]) => callActivity(state, stepPath, Array.isArray(calls) ? i : "", call, node.options, "act"),
            { concurrency: node.options.concurrency ?? 4 },
          )
          ctx[node.name] = Array.isArray(calls) ? results : results[0]
          state.path.push(node.name)
          return Continue
        })
      case "approve":
        return approveGate(state, nodes, index, stepPath, prefix, node.options, node.denied)
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
              if (observables && observables.length > 0) yield* store.addObservables(state.caseId, observables as never)
              if (note !== undefined) yield* store.addNote(state.caseId, actor.id, note)
            }).pipe(Effect.orDie),
          })
          return Continue
        })
      case "close":
        return Effect.gen(function* () {
          const close = yield* pure(node.name, () => node.close(ctx))
          yield* Activity.make({
            name: stepPath,
            execute: Effect.gen(function* () {
              const store = yield* CaseStore
              yield* store.update(state.caseId, { status: close.status ?? "closed", resolution: close.resolution }, playbookActor(def))
            }).pipe(Effect.orDie),
          })
          state.path.push("close")
          return { _tag: "End", status: "closed" } as const
        })
      case "call":
        return Effect.gen(function* () {
          const input = yield* pure(node.name, () => node.input(ctx))
          const child = compiledChild(node.playbook)
          const encoded = yield* Schema.encodeUnknownEffect(node.playbook.trigger as Schema.Codec<unknown, unknown>)(input).pipe(
            Effect.mapError((e) => stepError(state, node.name, e)),
          )
          const result = yield* child.workflow.execute({ key: `${state.executionId}/${stepPath}`, input: encoded }).pipe(
            Effect.mapError((e) => (e instanceof ConnectorError || e instanceof StepError ? e : stepError(state, node.name, e))),
          )
          ctx[node.name] = { status: result.status, runId: result.runId, caseId: result.caseId }
          state.path.push(node.name)
          return Continue
        })
    }
  }

  const approveGate = (
    state: RunState,
    nodes: ReadonlyArray<Node>,
    index: number,
    gatePath: string,
    prefix: string,
    options: ApproveOptions,
    denied: ReadonlyArray<Node> | undefined,
  ) =>
    Effect.gen(function* () {
      const node = nodes[index]!
      const summary = yield* Effect.try({ try: () => options.summary(state.ctx), catch: (e) => stepError(state, node.name, e) })
      const planned = plannedActions(nodes, index + 1, state.ctx)
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
            requester: playbookActor(def).id,
            comment: null,
            requestedAt: now,
            decidedAt: null,
            expiresAt: now + timeoutMillis,
          })
          yield* store.appendTimeline(state.caseId, {
            kind: "approval.requested",
            actor: playbookActor(def),
            message: `approval '${node.name}' requested from ${options.roles.join(", ")}: ${summary}`,
            data: { requestId: id, payloadHash, planned },
          })
          return id
        }).pipe(Effect.orDie),
      })
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
      let outcome: typeof GateOutcome.Type = yield* race("wait", options.timeout)
      if (outcome.decision === "timeout" && options.onTimeout === "escalate" && options.escalate) {
        const escalate = options.escalate
        yield* Activity.make({
          name: `${gatePath}/escalate`,
          execute: Effect.gen(function* () {
            const store = yield* CaseStore
            yield* store.decideApproval(requestId, { decision: "escalated", approvers: [], comment: null, roles: [...escalate.roles], extendMillis: Duration.toMillis(Duration.fromInputUnsafe(escalate.timeout)) })
            yield* store.appendTimeline(state.caseId, {
              kind: "approval.requested",
              actor: { kind: "system", id: "riposte" },
              message: `approval '${node.name}' escalated to ${escalate.roles.join(", ")}`,
              data: { requestId },
            })
          }).pipe(Effect.orDie),
        })
        outcome = yield* race("escalated", escalate.timeout)
      }
      if (outcome.decision === "timeout") {
        // Never auto-approve: a timeout is recorded and treated as a refusal.
        yield* Activity.make({
          name: `${gatePath}/timeout`,
          execute: Effect.gen(function* () {
            const store = yield* CaseStore
            yield* store.decideApproval(requestId, { decision: "timeout", approvers: [], comment: null })
            yield* store.appendTimeline(state.caseId, {
              kind: "approval.decided",
              actor: { kind: "system", id: "riposte" },
              message: `approval '${node.name}' timed out: treated as denied`,
              data: { requestId },
            })
          }).pipe(Effect.orDie),
        })
      }
      if (outcome.decision === "approved") {
        state.ctx[node.name] = { decision: "approved", approvers: outcome.approvers, requestId }
        state.approval = requestId
        state.path.push(`${node.name}=approved`)
        return Continue
      }
      const refused = {
        decision: outcome.decision,
        approvers: outcome.decision === "denied" ? outcome.approvers : [],
        requestId,
        comment: outcome.decision === "denied" ? outcome.comment : null,
      }
      state.ctx[node.name] = refused
      state.path.push(`${node.name}=${outcome.decision}`)
      if (denied !== undefined) {
        const flow = yield* runNodes(state, denied, `${prefix}${node.name}.denied/`)
        if (flow._tag === "End") return flow
      }
      return { _tag: "End", status: outcome.decision === "timeout" ? "timed_out" : "denied" } as const
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
      const trigger = yield* Schema.decodeUnknownEffect(def.trigger as Schema.Codec<unknown, unknown>)(payload.input).pipe(
        Effect.mapError((issue) => new StepError({ playbook: def.meta.name, step: "trigger", detail: String(issue) })),
      )
      const title = def.caseTitle ? def.caseTitle(trigger) : `${def.meta.name}: ${payload.key.slice(0, 80)}`
      const caseId = yield* Activity.make({
        name: "riposte/open-case",
        success: Schema.String,
        execute: Effect.gen(function* () {
          const store = yield* CaseStore
          const opened = yield* store.open(
            {
              title: title.slice(0, 500),
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
      })
      const state: RunState = { def, executionId, runId, caseId, ctx: { trigger }, path: [], approval: null }
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
      })
      return { status, runId, caseId, path: state.path }
    }).pipe(
      Effect.withSpan(`riposte.run ${def.meta.name}`, {
        attributes: {
          "riposte.playbook": def.meta.name,
          "riposte.playbook.version": def.meta.version,
          "riposte.run.id": runIdOf(tag, executionId),
        },
      }),
    )

  return { def, tag, workflow, body, children }
}

/** Completes a gate's deferred (server-side; the deferred token never leaves the engine). */
export const gateExit = (decision: GateDecision) => Exit.succeed(decision)
