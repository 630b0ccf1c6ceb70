/**
 * Connector calls inside a playbook body: each call is a journaled activity; its case rows (an
 * enrichment or an action) are written with its journal entry where the engine supports it
 * (`CommitWith`), otherwise by one record activity per step.
 *
 * Everything that is a pure function of the definition (activities, codecs, service keys, option
 * durations) is built once per compiled step, not per execution or replay.
 */
import { SqlWorkflowEngine } from "@riposte/workflow-sql"
import { Clock, Context, Duration, Effect, Exit, Schema } from "effect"
import { Activity } from "effect/workflow"
import { CaseStore, type CaseStoreError } from "../CaseStore.ts"
import type { AnyCall, CallContext, ImplementationShape } from "../Connector.ts"
import {
  ConnectorError,
  InvalidInput,
  InvalidResponse,
  NotConfigured,
  RateLimited,
  Timeout,
} from "../Errors.ts"
import { currentInput, inTransaction, shared } from "./activity.ts"
import type { CallOptions, Ctx, Node } from "./ast.ts"
import { idempotencyKey, redactInput, sha256Hex, stableStringify } from "./hash.ts"
import { issueMessage, issuePath } from "./issue.ts"
import { playbookActor, type RunState } from "./run.ts"

// ---------------------------------------------------------------------------
// Memoized pure functions of definitions
// ---------------------------------------------------------------------------

const services = new Map<string, Context.Key<unknown, ImplementationShape>>()
const serviceFor = (connector: string) => {
  let key = services.get(connector)
  if (key === undefined) {
    key = Context.Service<unknown, ImplementationShape>(`@riposte/connector/${connector}`)
    services.set(connector, key)
  }
  return key
}

type Codec = (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>
const decoders = new WeakMap<object, Codec>()
const encoders = new WeakMap<object, Codec>()

/** `Schema.decodeUnknownEffect(schema)`, built once per schema. */
export const decoderOf = (schema: Schema.Top): Codec => {
  let f = decoders.get(schema)
  if (f === undefined) {
    f = Schema.decodeUnknownEffect(schema as Schema.Codec<unknown, unknown>) as Codec
    decoders.set(schema, f)
  }
  return f
}

/** `Schema.encodeUnknownEffect(schema)`, built once per schema. */
export const encoderOf = (schema: Schema.Top): Codec => {
  let f = encoders.get(schema)
  if (f === undefined) {
    f = Schema.encodeUnknownEffect(schema as Schema.Codec<unknown, unknown>) as Codec
    encoders.set(schema, f)
  }
  return f
}

/** A step's call options with their durations resolved. */
export interface CallPlan {
  readonly timeout: { readonly millis: number; readonly duration: Duration.Duration } | undefined
  readonly retry:
    | { readonly times: number; readonly baseMillis: number; readonly maxMillis: number }
    | undefined
}

const timeoutOf = (input: Duration.Input) => {
  const millis = Duration.toMillis(Duration.fromInputUnsafe(input))
  return { millis, duration: Duration.millis(millis) }
}

export const planCalls = (options: CallOptions): CallPlan => ({
  timeout: options.timeout === undefined ? undefined : timeoutOf(options.timeout),
  retry:
    options.retry === undefined || options.retry.times <= 0
      ? undefined
      : {
          times: options.retry.times,
          baseMillis: Duration.toMillis(Duration.fromInputUnsafe(options.retry.base ?? "200 millis")),
          maxMillis: Duration.toMillis(Duration.fromInputUnsafe(options.retry.max ?? "30 seconds")),
        },
})

// ---------------------------------------------------------------------------
// Calls and their records
// ---------------------------------------------------------------------------

/** One call of a step: its activity name, idempotency key inputs and the call. */
export interface CallSite {
  readonly name: string
  readonly stepPath: string
  readonly index: string | number
  readonly call: AnyCall
}

/** How one call of a step ended, as the body knows it (from journaled results). */
export type CallRecord =
  | (CallSite & { readonly _tag: "Done"; readonly exit: Exit.Exit<unknown, ConnectorError> })
  | (CallSite & { readonly _tag: "Planned" })
  | (CallSite & { readonly _tag: "Blocked"; readonly reason: string })

/** hash(execution id, step path, item index): the same on every retry and after a crash. */
export const keyOf = (state: RunState, site: CallSite): string =>
  idempotencyKey(state.executionId, site.stepPath, site.index)

const connectorError = (call: AnyCall, reason: ConnectorError["reason"]) =>
  new ConnectorError({ connector: call.connector, action: call.action, reason })

/** Exponential backoff with jitter, honouring Retry-After, for retryable connector errors only. */
const withRetry = <A>(
  effect: Effect.Effect<A, ConnectorError>,
  retry: CallPlan["retry"],
): Effect.Effect<A, ConnectorError> => {
  if (retry === undefined) return effect
  const { times, baseMillis: base, maxMillis: max } = retry
  const loop = (attempt: number): Effect.Effect<A, ConnectorError> =>
    Effect.catchIf(
      effect,
      (e) => e.retryable && attempt < times,
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
 * Runs the connector handler of one call: validates the input, applies timeout and retries.
 * Written with combinators rather than `Effect.gen`: it runs once per call.
 */
const executeCall = (state: RunState, site: CallSite, plan: CallPlan) =>
  Effect.contextWith((services: Context.Context<never>) => {
    const { call, name } = site
    const def = call.definition
    const attempt = Context.get(services, Activity.CurrentAttempt)
    const handler = Context.getOrUndefined(services, serviceFor(call.connector))?.handlers[call.action]
    if (handler === undefined) return Effect.fail(connectorError(call, new NotConfigured()))
    let key: string | undefined
    const context: CallContext = {
      // A hash: computed when the handler reads it (writes do, reads rarely), then kept.
      get idempotencyKey() {
        key ??= keyOf(state, site)
        return key
      },
      runId: state.runId,
      playbook: state.def.meta.name,
      step: name,
      attempt,
    }
    const timeout = plan.timeout
    const run = (input: unknown) => {
      const once = Effect.suspend(() => handler(input, context))
      return timeout === undefined
        ? once
        : once.pipe(
            Effect.timeoutOrElse({
              duration: timeout.duration,
              orElse: () => Effect.fail(connectorError(call, new Timeout({ afterMillis: timeout.millis }))),
            }),
          )
    }
    const encode = encoderOf(def.output)
    return decoderOf(def.input)(call.input).pipe(
      Effect.mapError((issue) =>
        connectorError(call, new InvalidInput({ path: issuePath(issue), detail: issueMessage(issue) })),
      ),
      Effect.flatMap((input) =>
        withRetry(run(input), plan.retry).pipe(
          Effect.flatMap((output) =>
            encode(output).pipe(
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
        ),
      ),
    )
  })

interface CallInput {
  readonly state: RunState
  readonly site: CallSite
  readonly approvalRef: string | null
}

/** Activities of one step keyed by name: names come from the calls a step returns at run time. */
const MAX_CACHED_CALLS = 256

/**
 * The call activities of one enrich or act step. Each call runs outside any transaction (it may
 * take seconds); on engines with `CommitWith` its case rows are written in the transaction that
 * journals its result.
 */
export const callActivities = (role: "enrich" | "act", plan: CallPlan) => {
  const execute = (i: CallInput) => executeCall(i.state, i.site, plan)
  const commitWith = Context.make(SqlWorkflowEngine.CommitWith, (exit: Exit.Exit<unknown, unknown>) =>
    Effect.flatMap(currentInput<CallInput>(), (i) =>
      recordCall(
        i.state,
        role,
        { ...i.site, _tag: "Done", exit: exit as Exit.Exit<unknown, ConnectorError> },
        i.approvalRef,
      ),
    ),
  )
  type Entry = {
    readonly output: Schema.Top
    readonly inJournal: boolean
    readonly run: (i: CallInput) => Effect.Effect<unknown, ConnectorError, any>
  }
  const cache = new Map<string, Entry>()
  /** The call's result; a failure is the journaled `ConnectorError`. */
  return (state: RunState, site: CallSite, approvalRef: string | null) => {
    const output = site.call.definition.output
    let entry = cache.get(site.name)
    if (entry === undefined || entry.output !== output || entry.inJournal !== state.inJournal) {
      entry = {
        output,
        inJournal: state.inJournal,
        run: shared({
          name: site.name,
          success: output as Schema.Codec<unknown, unknown>,
          error: ConnectorError,
          annotations: state.inJournal ? commitWith : undefined,
          execute,
        }),
      }
      if (cache.size < MAX_CACHED_CALLS || cache.has(site.name)) cache.set(site.name, entry)
    }
    return entry.run({ state, site, approvalRef })
  }
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

/** Writes the case rows of one call of an enrich or act step (an enrichment, or an action). */
export const recordCall = (
  state: RunState,
  role: "enrich" | "act",
  r: CallRecord,
  approvalRef: string | null,
): Effect.Effect<void, never, CaseStore> =>
  Effect.contextWith((services: Context.Context<CaseStore>) =>
    Effect.flatMap(Clock.currentTimeMillis, (at): Effect.Effect<void, CaseStoreError> => {
      const store = Context.get(services, CaseStore)
      const def = r.call.definition
      const targets = targetsOf(r.call)
      if (role === "enrich") {
        const ok = r._tag === "Done" && Exit.isSuccess(r.exit)
        const assessed =
          ok && def.assess ? def.assess((r.exit as Exit.Success<unknown, never>).value) : undefined
        return store.addEnrichment({
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
      const recorded = store.recordAction({
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
        idempotencyKey: keyOf(state, r),
        approvalRef,
        actor: playbookActor(state.def),
        at,
        undo: undoOf(r),
      })
      if (r._tag !== "Blocked") return recorded
      return Effect.andThen(
        recorded,
        Effect.suspend(() =>
          store.appendTimeline(state.caseId, {
            kind: "guardrail",
            actor: { kind: "system", id: "guardrails" },
            message: `blocked ${r.call.connector}.${r.call.action}: ${r.reason}`,
            data: { step: r.name, targets },
          }),
        ),
      ).pipe(Effect.asVoid)
    }),
  ).pipe(Effect.orDie)

interface RecordInput {
  readonly state: RunState
  readonly records: ReadonlyArray<CallRecord>
  readonly approvalRef: string | null
}

/**
 * Writes case rows of a step's calls in one short activity. Annotated WithTransaction: on a
 * durable engine the rows commit together with the journal entry (exactly once). Used for calls
 * that ran no activity (planned, blocked) and, on engines without `CommitWith`, for every call.
 */
export const recordActivity = (stepPath: string, role: "enrich" | "act") => {
  const run = shared({
    name: `${stepPath}/record`,
    annotations: inTransaction,
    execute: (i: RecordInput) =>
      Effect.forEach(i.records, (r) => recordCall(i.state, role, r, i.approvalRef), { discard: true }),
  })
  return (state: RunState, records: ReadonlyArray<CallRecord>, approvalRef: string | null) =>
    run({ state, records, approvalRef })
}

export const failureMessage = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return ""
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  return error && error._tag === "Fail" ? String((error.error as Error).message ?? error.error) : "defect"
}

const summarize = (value: unknown): string | null => {
  if (value === undefined || value === null) return null
  const text = stableStringify(redactInput(value))
  return text.length > 500 ? `${text.slice(0, 500)}…` : text
}

export const firstError = (exit: Exit.Exit<unknown, ConnectorError>): ConnectorError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  return fail && fail._tag === "Fail" ? (fail.error as ConnectorError) : undefined
}

// ---------------------------------------------------------------------------
// Plans shown to approvers and guardrails
// ---------------------------------------------------------------------------

export interface PlannedSummary {
  readonly connector: string
  readonly action: string
  readonly kind: string
  readonly input: unknown
  readonly targets: ReadonlyArray<string>
}

export const targetsOf = (call: AnyCall): ReadonlyArray<string> => {
  try {
    return call.definition.targets?.(call.input as never) ?? []
  } catch {
    return []
  }
}

export const planOf = (calls: ReadonlyArray<AnyCall>): ReadonlyArray<PlannedSummary> =>
  calls.map((c) => ({
    connector: c.connector,
    action: c.action,
    kind: c.kind,
    input: redactInput(c.input),
    targets: targetsOf(c),
  }))

/** Evaluates the actions an approval will release, for the payload hash shown to approvers. */
export const plannedActions = (
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
