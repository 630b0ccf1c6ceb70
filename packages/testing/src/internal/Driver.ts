/**
 * The test runner: starts one run on a fresh in-memory engine under a `TestClock`, then drives
 * it to its end — answering pending gates from the approval scripts and jumping the clock to
 * the next timer whenever every fiber is blocked — and collects the calls, the case and the
 * trace.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type Span,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base"
import {
  type ApprovalError,
  type CaseModel,
  CaseStore,
  CaseStoreMemory,
  Engine,
  type Playbook,
  Tracing,
  type TriggerValidationError,
} from "@riposte/core"
import { Cause, Clock, Duration, Effect, Exit, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as Approval from "../Approval.ts"
import type { CallLog, CallRecord } from "./CallLog.ts"
import { type TestClockShape, Timers, tracking } from "./Timers.ts"

/** One finished span of the run's trace. */
export interface SpanRecord {
  readonly name: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  /** The parent span's name, when the parent is part of the captured trace. */
  readonly parent: string | undefined
  readonly attributes: Readonly<Record<string, unknown>>
  readonly status: "unset" | "ok" | "error"
  /** Duration in milliseconds of test-clock time (spans are timed with the run's clock). */
  readonly durationMillis: number
}

/** How a test run ended: a run status, parked at a gate ("waiting"), or failed. */
export type Status = Playbook.RunStatus | "waiting" | "failed"

/** Everything a test run produced. */
export interface TestResult {
  readonly status: Status
  readonly runId: string
  readonly caseId: string | undefined
  /** The path the run took (complete runs; empty while waiting or after a failure). */
  readonly path: ReadonlyArray<string>
  readonly calls: ReadonlyArray<CallRecord>
  readonly case: CaseModel.CaseView | undefined
  readonly spans: ReadonlyArray<SpanRecord>
  /** Gates still waiting for a decision (no script for them). */
  readonly pending: ReadonlyArray<CaseModel.ApprovalRecord>
  /** Scripted decisions the engine refused (wrong role, self-approval…). */
  readonly approvalErrors: ReadonlyArray<ApprovalError>
  /** The run's error (typed failure or defect) when `status` is "failed". */
  readonly error?: unknown
  /** `true` when the run died with a defect rather than a typed failure. */
  readonly defect?: boolean
}

export interface ClockOptions {
  /** The test clock's start time (epoch millis). Default 0. */
  readonly startAt?: number
  /** How far the runner may advance virtual time before giving up. Default 30 days. */
  readonly horizon?: Duration.Input
  /**
   * Real time (millis) the runner waits without any progress before it moves the clock to the
   * next timer. Work outside Effect's scheduler (a worker thread, real I/O) may still be under
   * way while every fiber looks blocked; jumping too early would fire its timeout. While a
   * `.step()` Effect is running the runner always waits (up to `stepBudget`). Default 20.
   */
  readonly grace?: number
  /** Longest real time (millis) the runner waits for one running `.step()` Effect. Default 30 s. */
  readonly stepBudget?: number
}

export interface DriveOptions {
  readonly playbook: Playbook.Any
  readonly input: unknown
  /** Connector implementations, already wrapped with the call log. */
  readonly connectors: Layer.Layer<never, never, never>
  readonly log: CallLog
  readonly approvals: Approval.Approvals
  /** Extra layers for the engine (guardrails, admission…). */
  readonly layers?: ReadonlyArray<Layer.Layer<never, never, never>>
  readonly clock?: ClockOptions
  /**
   * Real connectors: while a call is in flight, wait (real time) for it instead of moving the
   * test clock.
   */
  readonly liveCalls?: boolean
}

/**
 * Tracks the `riposte.step` spans of deterministic `.step()` nodes that have started and not
 * ended: while one is open, the step's own Effect (possibly outside work) is under way.
 */
class RunningSteps implements SpanProcessor {
  // Attributes are set after the span starts: keep every open step span, filter when asked.
  private readonly open = new Map<string, Span>()
  onStart(span: Span): void {
    if (span.name.startsWith("riposte.step ")) this.open.set(span.spanContext().spanId, span)
  }
  onEnd(span: ReadableSpan): void {
    this.open.delete(span.spanContext().spanId)
  }
  private steps(): Array<string> {
    return [...this.open].flatMap(([id, span]) =>
      span.attributes["riposte.step.kind"] === "step" ? [id] : [],
    )
  }
  size(): number {
    return this.steps().length
  }
  key(): string {
    return this.steps().join(",")
  }
  forceFlush(): Promise<void> {
    return Promise.resolve()
  }
  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}

/** Real time passes (outside work progresses); the test clock does not move. */
const sleepReal = (millis: number) =>
  Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/** One turn of the event loop: other fibers run, no clock time passes. */
const tick = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

const spanRecords = (exporter: InMemorySpanExporter): ReadonlyArray<SpanRecord> => {
  // The runner's own status polls are not part of the run's trace.
  const spans = exporter.getFinishedSpans().filter((s) => !(s.name.endsWith(".poll") && !s.parentSpanContext))
  const names = new Map(spans.map((s) => [s.spanContext().spanId, s.name]))
  return spans.map((s) => {
    const parentSpanId = s.parentSpanContext?.spanId
    return {
      name: s.name,
      spanId: s.spanContext().spanId,
      parentSpanId,
      parent: parentSpanId === undefined ? undefined : names.get(parentSpanId),
      attributes: { ...s.attributes },
      status: s.status.code === 2 ? "error" : s.status.code === 1 ? "ok" : "unset",
      durationMillis: s.duration[0] * 1000 + s.duration[1] / 1e6,
    }
  })
}

/** Runs `playbook` to its end (or until it waits on an unscripted gate). */
export const drive = (options: DriveOptions): Effect.Effect<TestResult, TriggerValidationError> =>
  Effect.suspend(() => {
    const exporter = new InMemorySpanExporter()
    const running = new RunningSteps()
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter), running],
    })
    return Effect.gen(function* () {
      const timers = new Timers()
      const testClock = (yield* Clock.Clock) as TestClockShape
      const startAt = options.clock?.startAt ?? 0
      if (startAt !== 0) yield* testClock.setTime(startAt)
      const horizon =
        startAt + Duration.toMillis(Duration.fromInputUnsafe(options.clock?.horizon ?? "30 days"))
      const engineLayer = Engine.layerMemory({ playbooks: [options.playbook] }).pipe(
        Layer.provideMerge(CaseStoreMemory.layer),
        Layer.provide(options.connectors),
        Layer.provide(Layer.mergeAll(Layer.empty, ...(options.layers ?? []))),
      )
      const program = Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const store = yield* CaseStore.CaseStore
        const { runId } = yield* engine
          .start(options.playbook, options.input as never)
          .pipe(Effect.catchTag(["PlaybookNotRegistered", "PlaybookInactive"], (e) => Effect.die(e)))
        /** Requests (in their current state) a script was applied to, with the script's kind. */
        const handled = new Map<string, Approval.Script["_tag"]>()
        const approvalErrors: Array<ApprovalError> = []
        const signature = () =>
          `${options.log.calls.length}:${timers.version}:${exporter.getFinishedSpans().length}`
        /** Ticks until nothing changes for a few turns (every fiber is blocked). */
        const quiesce = Effect.gen(function* () {
          let last = ""
          let stable = 0
          for (let i = 0; i < 2000 && stable < 5; i++) {
            yield* tick
            const sig = signature()
            stable = sig === last ? stable + 1 : 0
            last = sig
          }
        })
        const grace = options.clock?.grace ?? 20
        let stepSince: { readonly key: string; readonly at: number } | undefined
        /** Real-time deadline of the currently running deterministic step(s). */
        const stepDeadline = () => {
          const key = running.key()
          if (stepSince?.key !== key) stepSince = { key, at: Date.now() }
          return stepSince.at + (options.clock?.stepBudget ?? 30_000)
        }
        /** Waits real time for outside work; `true` when something moved meanwhile. */
        const progressedWithin = Effect.gen(function* () {
          const before = signature()
          const deadline = Date.now() + grace
          while (Date.now() < deadline) {
            yield* sleepReal(1)
            if (signature() !== before) return true
          }
          return false
        })
        const finish = (
          status: Status,
          extra: { path?: ReadonlyArray<string>; caseId?: string; error?: unknown; defect?: boolean } = {},
        ) =>
          Effect.gen(function* () {
            const caseId =
              extra.caseId ?? (yield* store.list({})).find((c) => c.runId === runId)?.id ?? undefined
            const view = caseId === undefined ? undefined : yield* store.view(caseId)
            const pending = status === "waiting" ? yield* engine.pendingApprovals() : []
            const spans = spanRecords(exporter)
            for (const call of options.log.calls) {
              if (call.kind !== "unknown") continue
              const span = spans.find(
                (s) => s.name.startsWith("riposte.call ") && s.attributes["riposte.step"] === call.step,
              )
              const kind = span?.attributes["riposte.kind"]
              if (kind === "read" || kind === "write" || kind === "destructive") call.kind = kind
            }
            const result: TestResult = {
              status,
              runId,
              caseId,
              path: extra.path ?? [],
              calls: options.log.calls,
              case: view,
              spans,
              pending,
              approvalErrors,
              ...(extra.error === undefined ? {} : { error: extra.error }),
              ...(extra.defect === undefined ? {} : { defect: extra.defect }),
            }
            return result
          }).pipe(Effect.orDie)

        let idle = 0
        for (;;) {
          yield* quiesce
          const state = yield* Effect.exit(engine.status(runId))
          if (Exit.isFailure(state)) {
            const defect = Cause.squash(state.cause)
            return yield* finish("failed", { error: defect, defect: true })
          }
          if (state.value._tag === "Completed") {
            const r = state.value.result
            return yield* finish(r.status, { path: r.path, caseId: r.caseId })
          }
          if (state.value._tag === "Failed") return yield* finish("failed", { error: state.value.error })
          const pending = yield* engine.pendingApprovals().pipe(Effect.orDie)
          let acted = false
          let waiting = false
          for (const request of pending) {
            const key = `${request.id}:${request.decision}`
            const applied = handled.get(key)
            if (applied !== undefined) {
              // A decision was made but the gate is still open: refused by the engine (role,
              // four-eyes) or short of its quorum. Nothing else will decide it.
              if (applied !== "Timeout") waiting = true
              continue
            }
            const script = Approval.lookup(options.approvals, request.gate)
            if (script === undefined) {
              waiting = true
              continue
            }
            handled.set(key, script._tag)
            if (script._tag === "Timeout") continue
            acted = true
            const decisions =
              script._tag === "Approve"
                ? script.actors.map((actor) => ({
                    decision: "approve" as const,
                    actor,
                    roles: script.roles ?? request.roles,
                    ...(script.comment === undefined ? {} : { comment: script.comment }),
                  }))
                : [
                    {
                      decision: "deny" as const,
                      actor: script.actor,
                      roles: script.roles ?? request.roles,
                      ...(script.reason === undefined ? {} : { comment: script.reason }),
                    },
                  ]
            for (const decision of decisions) {
              const exit = yield* Effect.exit(engine.decide(request.id, decision))
              if (Exit.isFailure(exit)) {
                const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
                if (fail?._tag === "Fail" && fail.error._tag === "ApprovalError")
                  approvalErrors.push(fail.error)
                else return yield* Effect.failCause(exit.cause).pipe(Effect.orDie)
              }
            }
          }
          if (acted) continue
          if (waiting) return yield* finish("waiting")
          const now = testClock.currentTimeMillisUnsafe()
          if (timers.due(now)) {
            idle++
          } else {
            const next = timers.next(now)
            if (next !== undefined) {
              if (next > horizon) return yield* finish("waiting")
              // A deterministic step's Effect is still running (a worker thread, real I/O):
              // its timers are wall-clock guards, not the run's schedule. Wait for it.
              if (running.size() > 0 && Date.now() < stepDeadline()) {
                yield* sleepReal(10)
                continue
              }
              // Every fiber looks blocked: give other outside work a little real time before
              // firing a timer that may be its timeout.
              if (yield* progressedWithin) continue
              // Confirm before moving time: a fiber starved of CPU can look blocked for a while.
              // The run must still be unfinished, with no gate to answer and nothing moving.
              const before = signature()
              yield* quiesce
              if (signature() !== before) continue
              const again = yield* Effect.exit(engine.status(runId))
              if (Exit.isFailure(again) || again.value._tag === "Completed" || again.value._tag === "Failed")
                continue
              const open = yield* engine.pendingApprovals().pipe(Effect.orDie)
              if (open.some((r) => !handled.has(`${r.id}:${r.decision}`))) continue
              if (timers.next(testClock.currentTimeMillisUnsafe()) !== next) continue
              yield* testClock.setTime(next)
              idle = 0
              continue
            }
            idle++
          }
          // Nothing scheduled: outside work may still finish; give it real time.
          if (idle > 0 && (yield* progressedWithin)) idle = 0
          if (idle > 50) {
            return yield* finish("failed", {
              error: new Error("the run made no progress: no timer, no gate and no pending call"),
            })
          }
        }
      })
      return yield* program.pipe(
        Effect.provide(engineLayer),
        Effect.provideService(Clock.Clock, tracking(testClock, timers)),
      )
    }).pipe(
      // The runner advances the clock itself; its "not advancing" warning would only be noise.
      Effect.provide(TestClock.layer({ warningDelay: "1 hour" })),
      Effect.provide(Tracing.layer(provider)),
    )
  })
