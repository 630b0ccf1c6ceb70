/**
 * Playbooks as unit-tested TypeScript: run a playbook on the in-memory engine under a
 * `TestClock` with typed mocks and scripted approvals, and inspect the path, every connector
 * call, the case and the trace. Also: record/replay (`Test.record`, `Test.replay`) and
 * property-based checks (`Test.check`).
 *
 * @example
 * ```ts
 * const result = yield* Test.run(triage, { ip: "203.0.113.9" }, {
 *   mocks: [Test.mock(AbuseIPDB, { check: () => ({ score: 90 }) })],
 *   approvals: { "block-ok": Test.approve("alice", { roles: ["soc-lead"] }) },
 * })
 * assert.deepStrictEqual(result.path, ["rep", "verdict=malicious", "block-ok=approved", "block"])
 * ```
 * @since 0.1.0
 */
import type { Connector, Playbook, TriggerValidationError } from "@riposte/core"
import { Effect, Layer } from "effect"
import type * as Approval from "./Approval.ts"
import { type CallLog, logged, makeLog } from "./internal/CallLog.ts"
import { type ClockOptions, drive, type TestResult } from "./internal/Driver.ts"
import * as Mock from "./Mock.ts"
import { UnmockedCall } from "./TestError.ts"

export type { Approvals, Script } from "./Approval.ts"
export { approve, deny, timeout } from "./Approval.ts"
export type { CheckOptions, CheckReport, Counterexample, Scenario } from "./Check.ts"
export { check, checkPromise } from "./Check.ts"
export type { Builtin, Invariant } from "./Invariants.ts"
export type { CallRecord, Outcome } from "./internal/CallLog.ts"
export type { ClockOptions, SpanRecord, Status, TestResult } from "./internal/Driver.ts"
export type { Mock } from "./Mock.ts"
export { make as mock } from "./Mock.ts"
export type { Fixture, RecordOptions, ReplayOptions } from "./Recording.ts"
export { record, replay } from "./Recording.ts"

export interface RunOptions {
  /** Typed mocks: `Test.mock(VirusTotal, { urlReport: (input) => ({ … }) })`. */
  readonly mocks?: ReadonlyArray<Mock.Mock>
  /**
   * Connector implementations given as layers (`Connector.layer(...)`, existing mock layers),
   * logged like mocks. Mocks win for a connector given both ways.
   */
  readonly connectors?: Layer.Layer<never, never, never>
  /** Scripted decisions per gate name: `{ "purge-ok": Test.approve("alice") }`. */
  readonly approvals?: Approval.Approvals
  readonly clock?: ClockOptions
  /** Extra layers for the engine: guardrails, admission… */
  readonly layers?: ReadonlyArray<Layer.Layer<never, never, never>>
}

/** The kind of each mocked action, as its connector definition declares it. */
const kindsOf =
  (definitions: ReadonlyArray<Connector.AnyDefinition>) =>
  (connector: string, action: string): Connector.ActionKind | undefined =>
    definitions.find((d) => d.connector === connector)?.actions[action]?.kind

/** Builds the logged connector layer of a set of mocks. */
const mockLayer = (mocks: ReadonlyArray<Mock.Mock>, log: CallLog): Layer.Layer<never> =>
  logged(Layer.mergeAll(Layer.empty, ...mocks.map(Mock.layer)), log, kindsOf(mocks.map((m) => m.definition)))

/** A run that called an action without a mock reports it as an `UnmockedCall`. */
const explainUnmocked = (result: TestResult): TestResult => {
  if (result.status !== "failed" || !Mock.isUnmocked(result.error)) return result
  const { connector, action } = result.error
  const step = [...result.calls].reverse().find((c) => c.connector === connector && c.action === action)?.step
  return { ...result, error: new UnmockedCall({ connector, action, step: step ?? "" }) }
}

/**
 * Runs a playbook once on a fresh in-memory engine with a `TestClock`. Time only moves when
 * every fiber is blocked: the runner then jumps to the next timer (a backoff, a slow mock, a
 * scripted gate timeout). A gate without a script leaves the result `waiting`.
 *
 * @example
 * ```ts
 * const result = yield* Test.run(phishing, alert, { mocks, approvals: { "purge-ok": Test.deny("bob", "FP") } })
 * assert.strictEqual(result.status, "denied")
 * ```
 */
export const run = <P extends Playbook.Any>(
  playbook: P,
  input: Playbook.Input<P>,
  options: RunOptions = {},
): Effect.Effect<TestResult, TriggerValidationError> =>
  Effect.suspend(() => {
    const log = makeLog()
    return drive({
      playbook,
      input,
      connectors: Layer.merge(
        logged(options.connectors ?? Layer.empty, log),
        mockLayer(options.mocks ?? [], log),
      ),
      log,
      approvals: options.approvals ?? {},
      ...(options.layers === undefined ? {} : { layers: options.layers }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    }).pipe(Effect.map(explainUnmocked))
  })

/**
 * {@link run} as a Promise, for tests that do not use Effect.
 *
 * @example
 * ```ts
 * const result = await Test.runPromise(phishing, alert, { mocks })
 * ```
 */
export const runPromise = <P extends Playbook.Any>(
  playbook: P,
  input: Playbook.Input<P>,
  options: RunOptions = {},
): Promise<TestResult> => Effect.runPromise(run(playbook, input, options))
