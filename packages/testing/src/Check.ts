/**
 * Property-based checks: many runs of a playbook on generated trigger inputs (from the trigger
 * Schema), generated connector responses (from each action's output Schema, unless mocked) and
 * generated approval decisions (approve / deny / timeout per gate), each verified against the
 * built-in invariants and custom ones. A failure is shrunk to a small counterexample.
 *
 * Generation and shrinking use effect's own `Arbitrary` module (effect 4.1 derives arbitraries
 * from Schemas and ships its own runner; it has no fast-check interop).
 *
 * @example
 * ```ts
 * const report = yield* Check.check(phishing, { runs: 1000, connectors: [VirusTotal, GraphMail] })
 * assert.isTrue(report.ok, report.message)
 * ```
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type { Connector, Playbook } from "@riposte/core"
import { Arbitrary, Effect, Layer, Schema } from "effect"
import type * as Approval from "./Approval.ts"
import * as Invariants from "./Invariants.ts"
import { logged, makeLog } from "./internal/CallLog.ts"
import { type ClockOptions, drive, type TestResult } from "./internal/Driver.ts"
import type * as Mock from "./Mock.ts"

export type Decision = "approve" | "deny" | "timeout"

/** One generated scenario: the trigger input, a decision per gate and the responses' seed. */
export interface Scenario<I> {
  readonly input: I
  readonly decisions: Readonly<Record<string, Decision>>
  readonly responses: number
}

export interface CheckOptions<I> {
  /** Number of generated runs (default 100). */
  readonly runs?: number
  readonly seed?: number | string
  /** Connectors whose actions answer with values generated from their output schemas. */
  readonly connectors?: ReadonlyArray<Invariants.Definition>
  /** Mocked actions answer from the mock instead of generated values. */
  readonly mocks?: ReadonlyArray<Mock.Mock>
  /** Custom invariants by name: `(result) => boolean | string`. */
  readonly invariants?: Readonly<Record<string, Invariants.Invariant>>
  /** Per-run limits of distinct targets per budget category, for the budgets invariant. */
  readonly budgets?: Partial<Record<Connector.BudgetCategory, number>>
  /** Built-in invariants to leave out. */
  readonly skip?: ReadonlyArray<Invariants.Builtin>
  /** Replaces the trigger-schema arbitrary (e.g. realistic alerts). */
  readonly inputs?: Arbitrary.Arbitrary<I>
  /** Extra layers for the engine (guardrails…). */
  readonly layers?: ReadonlyArray<Layer.Layer<never, never, never>>
  readonly clock?: ClockOptions
  /** Runs evaluated concurrently (default 4; results do not depend on it). */
  readonly concurrency?: number
  readonly maxShrinks?: number
}

export interface Counterexample<I> {
  readonly scenario: Scenario<I>
  readonly approvals: Approval.Approvals
  readonly violations: ReadonlyArray<string>
  readonly result: TestResult
}

export interface CheckReport<I> {
  readonly ok: boolean
  /** Runs evaluated before the first failure (or all of them). */
  readonly runs: number
  readonly shrinks: number
  /** The shrunk counterexample of the first failure. */
  readonly counterexample?: Counterexample<I>
  /** A token that replays the failure with `Arbitrary.checkEffect({ replay })`. */
  readonly replay?: string
  readonly message: string
}

/**
 * Names of every approval gate in a playbook (and the playbooks it calls).
 *
 * @example
 * ```ts
 * Check.gatesOf(phishing.definition) // ["purge-approval"]
 * ```
 */
export const gatesOf = (def: Playbook.Any["definition"]): ReadonlyArray<string> => {
  const names = new Set<string>()
  const walk = (nodes: Playbook.Any["definition"]["nodes"]) => {
    for (const node of nodes) {
      if (node.kind === "approve") {
        names.add(node.name)
        if (node.denied) walk(node.denied)
      }
      if (node.kind === "branch") for (const arm of Object.values(node.arms)) walk(arm)
      if (node.kind === "call") walk(node.playbook.nodes)
    }
  }
  walk(def.nodes)
  return [...names]
}

const toScript = (decision: Decision): Approval.Script =>
  decision === "approve"
    ? { _tag: "Approve", actors: ["generated-approver"] }
    : decision === "deny"
      ? { _tag: "Deny", actor: "generated-approver", reason: "generated denial" }
      : { _tag: "Timeout" }

/**
 * The approval scripts of a scenario; `*` answers guardrail gates and unnamed gates.
 *
 * @example
 * ```ts
 * Check.approvalsOf({ "purge-ok": "deny" }) // { "purge-ok": { _tag: "Deny", actor: "generated-approver", … } }
 * ```
 */
export const approvalsOf = (decisions: Readonly<Record<string, Decision>>): Approval.Approvals =>
  Object.fromEntries(Object.entries(decisions).map(([gate, d]) => [gate, toScript(d)]))

/** Whether a value can travel as JSON unchanged (no NaN or ±Infinity anywhere). */
const jsonSafe = (value: unknown, depth = 0): boolean => {
  if (depth > 64) return false
  if (typeof value === "number") return Number.isFinite(value)
  if (value === null || typeof value !== "object") return true
  return Object.values(value).every((v) => jsonSafe(v, depth + 1))
}

const arbitraries = new WeakMap<object, Arbitrary.Arbitrary<unknown>>()
const arbitraryOf = (schema: Schema.Top): Arbitrary.Arbitrary<unknown> => {
  let arb = arbitraries.get(schema)
  if (arb === undefined) {
    arb = Arbitrary.schema(schema as Schema.Codec<unknown, unknown>)
    arbitraries.set(schema, arb)
  }
  return arb
}

const responses = new WeakMap<object, Arbitrary.Arbitrary<unknown>>()
/** Connector answers: what a vendor can send over JSON (a schema's `Number` admits NaN). */
const responseOf = (schema: Schema.Top): Arbitrary.Arbitrary<unknown> => {
  let arb = responses.get(schema)
  if (arb === undefined) {
    arb = arbitraryOf(schema).pipe(Arbitrary.filter((value) => jsonSafe(value)))
    responses.set(schema, arb)
  }
  return arb
}

/** A deterministic 31-bit seed for one call of one scenario. */
const callSeed = (responses: number, step: string, attempt: number): number =>
  createHash("sha256").update(`${responses}\u0000${step}\u0000${attempt}`).digest().readUInt32BE(0) >>> 1

/** Implementations answering every action with a value generated from its output schema. */
const generatedLayer = (
  definitions: ReadonlyArray<Invariants.Definition>,
  mocks: ReadonlyArray<Mock.Mock>,
  responses: number,
): Layer.Layer<never> => {
  const layers = definitions.map((def) => {
    const mock = mocks.find((m) => m.definition.connector === def.connector)
    const handlers: Record<string, Connector.ImplementationShape["handlers"][string]> = {}
    for (const [action, actionDef] of Object.entries(def.actions)) {
      const mocked = mock?.handlers[action]
      handlers[action] =
        mocked !== undefined
          ? (input, context) =>
              Effect.suspend(() => {
                const out = mocked(input, context)
                return (Effect.isEffect(out) ? out : Effect.succeed(out)) as Effect.Effect<unknown, never>
              })
          : (_input, context) =>
              Arbitrary.sampleEffect(responseOf(actionDef.output as Schema.Top), {
                count: 1,
                seed: callSeed(responses, context.step, context.attempt),
              }).pipe(
                Effect.map((values) => values[0]),
                Effect.orDie,
              )
    }
    return Layer.succeed(def.service)({ connector: def.connector, handlers })
  })
  const extra = mocks.filter((m) => !definitions.some((d) => d.connector === m.definition.connector))
  return Layer.mergeAll(
    Layer.empty,
    ...layers,
    ...extra.map((m) => generatedLayer([m.definition], [m], responses)),
  )
}

const runScenario = <I>(
  playbook: Playbook.Any,
  scenario: Scenario<I>,
  options: CheckOptions<I>,
  definitions: ReadonlyArray<Invariants.Definition>,
) =>
  Effect.gen(function* () {
    const encoded = yield* Schema.encodeUnknownEffect(
      playbook.definition.trigger as Schema.Codec<unknown, unknown>,
    )(scenario.input).pipe(Effect.orDie)
    const log = makeLog()
    const kinds = (connector: string, action: string) =>
      definitions.find((d) => d.connector === connector)?.actions[action]?.kind
    const result = yield* drive({
      playbook,
      input: encoded,
      connectors: logged(
        generatedLayer(options.connectors ?? [], options.mocks ?? [], scenario.responses),
        log,
        kinds,
      ),
      log,
      approvals: approvalsOf(scenario.decisions),
      ...(options.layers === undefined ? {} : { layers: options.layers }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    }).pipe(Effect.orDie)
    const violations = Invariants.evaluate(
      result,
      { definitions, budgets: options.budgets },
      options.invariants ?? {},
      options.skip,
    )
    return { result, violations }
  })

/**
 * Checks a playbook's invariants over generated runs and reports the shrunk counterexample.
 *
 * @example
 * ```ts
 * const report = yield* Test.check(triage, {
 *   runs: 500,
 *   connectors: [Reputation, Mail],
 *   invariants: { "benign runs never purge": (r) => !r.path.includes("verdict=benign") || !r.calls.some((c) => c.action === "purge") },
 * })
 * assert.isTrue(report.ok, report.message)
 * ```
 */
export const check = <P extends Playbook.Any>(
  playbook: P,
  options: CheckOptions<Playbook.Input<P>> = {},
): Effect.Effect<CheckReport<Playbook.Input<P>>> =>
  Effect.gen(function* () {
    type I = Playbook.Input<P>
    const definitions = [...(options.connectors ?? []), ...(options.mocks ?? []).map((m) => m.definition)]
    const gates = [...gatesOf(playbook.definition), "*"]
    const decision = Arbitrary.schema(Schema.Literals(["approve", "deny", "timeout"]))
    const scenarios = Arbitrary.all({
      input: options.inputs ?? (arbitraryOf(playbook.definition.trigger) as Arbitrary.Arbitrary<I>),
      decisions: Arbitrary.all(Object.fromEntries(gates.map((g) => [g, decision]))) as Arbitrary.Arbitrary<
        Record<string, Decision>
      >,
      responses: Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 2 ** 31 - 1 }))),
    }) as Arbitrary.Arbitrary<Scenario<I>>
    const outcome = yield* Arbitrary.checkEffect(
      scenarios,
      (scenario) =>
        runScenario(playbook, scenario, options, definitions).pipe(
          Effect.flatMap(({ violations }) =>
            violations.length === 0 ? Effect.succeed(true) : Effect.fail(violations),
          ),
        ),
      {
        runs: options.runs ?? 100,
        concurrency: options.concurrency ?? 4,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(options.maxShrinks === undefined ? {} : { maxShrinks: options.maxShrinks }),
      },
    )
    switch (outcome._tag) {
      case "Passed":
        return {
          ok: true,
          runs: outcome.runs,
          shrinks: 0,
          message: `${outcome.runs} runs: every invariant held`,
        }
      case "Falsified": {
        const scenario = outcome.shrunkInput
        const { result, violations } = yield* runScenario(playbook, scenario, options, definitions)
        const counterexample: Counterexample<I> = {
          scenario,
          approvals: approvalsOf(scenario.decisions),
          violations,
          result,
        }
        return {
          ok: false,
          runs: outcome.runs,
          shrinks: outcome.shrinks,
          counterexample,
          replay: outcome.replay,
          message: [
            `invariant violated after ${outcome.runs} runs (${outcome.shrinks} shrinks):`,
            ...violations.map((v) => `  - ${v}`),
            `  input: ${JSON.stringify(scenario.input)}`,
            `  decisions: ${JSON.stringify(scenario.decisions)}; responses seed ${scenario.responses}`,
            `  path: [${result.path.join(" → ")}] (${result.status})`,
          ].join("\n"),
        }
      }
      default:
        return {
          ok: false,
          runs: "runs" in outcome ? outcome.runs : 0,
          shrinks: 0,
          message: Arbitrary.formatCheckFailure(outcome) ?? outcome._tag,
        }
    }
  })

/**
 * {@link check} as a Promise.
 *
 * @example
 * ```ts
 * const report = await Test.checkPromise(triage, { runs: 200, connectors: [Reputation, Mail] })
 * ```
 */
export const checkPromise = <P extends Playbook.Any>(
  playbook: P,
  options: CheckOptions<Playbook.Input<P>> = {},
): Promise<CheckReport<Playbook.Input<P>>> => Effect.runPromise(check(playbook, options))
