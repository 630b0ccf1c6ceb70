/**
 * Record and replay. `record` runs a playbook against real connectors (or the simulators) and
 * writes every connector call — step, connector, action, input, output or error — to a JSON
 * fixture, with secrets and configured fields redacted. `replay` runs the playbook offline,
 * serving each call's recorded response by (step, attempt), and fails with a line diff when
 * the run takes another path or makes other calls.
 *
 * @example
 * ```ts
 * yield* Recording.record(phishing, alert, {
 *   file: "test/fixtures/phishing-malicious.json",
 *   connectors: SimulatorConnectors,
 *   approvals: { "purge-ok": Test.approve("alice") },
 *   redact: ["trigger.reporter", "graph.*:output.value.*.from"],
 * })
 * const result = yield* Recording.replay(phishing, "test/fixtures/phishing-malicious.json")
 * ```
 * @since 0.1.0
 */
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import {
  type Connector,
  ConnectorError,
  InvalidResponse,
  type Playbook,
  type TriggerValidationError,
} from "@riposte/core"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type * as Approval from "./Approval.ts"
import { type CallRecord, logged, makeLog } from "./internal/CallLog.ts"
import { type ClockOptions, drive, type TestResult } from "./internal/Driver.ts"
import { parseRule, type RedactPath, type RedactRule, redact } from "./internal/Redact.ts"
import * as LineDiff from "./LineDiff.ts"
import { FixtureError, ReplayMismatch } from "./TestError.ts"

/** Largest fixture file read, in bytes. */
const MAX_FIXTURE_BYTES = 50 * 1024 * 1024

const ScriptSchema = Schema.Union([
  Schema.Struct({
    _tag: Schema.Literal("Approve"),
    actors: Schema.Array(Schema.String),
    roles: Schema.optional(Schema.Array(Schema.String)),
    comment: Schema.optional(Schema.String),
  }),
  Schema.Struct({
    _tag: Schema.Literal("Deny"),
    actor: Schema.String,
    reason: Schema.optional(Schema.String),
    roles: Schema.optional(Schema.Array(Schema.String)),
  }),
  Schema.Struct({ _tag: Schema.Literal("Timeout") }),
])

/** One recorded connector call. */
export const FixtureCall = Schema.Struct({
  step: Schema.String,
  attempt: Schema.Number,
  connector: Schema.String,
  action: Schema.String,
  kind: Schema.String,
  input: Schema.Unknown,
  output: Schema.optional(Schema.Unknown),
  /** The encoded `ConnectorError` when the call failed. */
  error: Schema.optional(Schema.Unknown),
})
export type FixtureCall = typeof FixtureCall.Type

/** The fixture file. */
export const Fixture = Schema.Struct({
  riposte: Schema.Literal("fixture/1"),
  playbook: Schema.Struct({ name: Schema.String, version: Schema.String }),
  input: Schema.Unknown,
  approvals: Schema.Record(Schema.String, ScriptSchema),
  redact: Schema.Array(
    Schema.Union([Schema.String, Schema.Struct({ path: Schema.String, with: Schema.Unknown })]),
  ),
  result: Schema.Struct({ status: Schema.String, path: Schema.Array(Schema.String) }),
  calls: Schema.Array(FixtureCall),
})
export type Fixture = typeof Fixture.Type

export interface RecordOptions {
  /** Where to write the fixture (directories are created). */
  readonly file: string
  /** The connector implementations to record: real clients or clients of the simulators. */
  readonly connectors: Layer.Layer<never, unknown, never>
  readonly approvals?: Approval.Approvals
  /**
   * Fields to redact besides `Redacted` values and secret-looking keys: `"input.mailbox"`,
   * `"output.data.*.email"`, scoped to one action with `"graph.search:output.value"` (`*`
   * matches any key or index). `{ path, with }` replaces the field with a stand-in value instead
   * of `"<redacted>"`: use it for trigger fields (`{ path: "trigger.reporter", with:
   * "reporter@corp.test" }`), which replay decodes with the trigger schema. Replay applies the
   * same rules to the calls it sees, so a redacted field compares equal.
   */
  readonly redact?: ReadonlyArray<RedactRule>
  readonly layers?: ReadonlyArray<Layer.Layer<never, never, never>>
  readonly clock?: ClockOptions
}

export interface ReplayOptions {
  /** Approval scripts; default: the ones recorded in the fixture. */
  readonly approvals?: Approval.Approvals
  readonly layers?: ReadonlyArray<Layer.Layer<never, never, never>>
  readonly clock?: ClockOptions
}

const encodeError = Schema.encodeUnknownSync(ConnectorError)
const decodeError = Schema.decodeUnknownOption(ConnectorError)

const fixtureCall = (call: CallRecord, paths: ReadonlyArray<RedactPath>): FixtureCall => {
  const scope = { connector: call.connector, action: call.action }
  return {
    step: call.step,
    attempt: call.attempt,
    connector: call.connector,
    action: call.action,
    kind: call.kind,
    input: redact(call.input, paths, "input", scope),
    ...(call.outcome._tag === "Success"
      ? { output: redact(call.outcome.output, paths, "output", scope) }
      : call.outcome._tag === "Failure" && call.outcome.error instanceof ConnectorError
        ? { error: redact(encodeError(call.outcome.error), paths, "output", scope) }
        : { error: { _tag: "Unknown", detail: "the call did not end with a result or a ConnectorError" } }),
  }
}

/** JSON with sorted object keys, so key order never shows up as a difference. */
const sortedJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  ) ?? "null"

/** The comparable lines of a run: its path, each call and its final status. */
const linesOf = (
  path: ReadonlyArray<string>,
  calls: ReadonlyArray<Pick<FixtureCall, "step" | "attempt" | "connector" | "action" | "input">>,
  status: string,
): Array<string> => [
  ...path.map((p) => `path ${p}`),
  ...calls.map(
    (c) =>
      `call ${c.step}${c.attempt > 1 ? `#${c.attempt}` : ""} ${c.connector}.${c.action} ${sortedJson(c.input)}`,
  ),
  `status ${status}`,
]

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : (JSON.stringify(error) ?? String(error))

/** The step (or path entry) a diff line names. */
const stepOf = (line: string): string => {
  const [kind, name = ""] = line.split(" ")
  if (kind === "call") return name.replace(/#\d+$/, "")
  if (kind === "path") return name
  return kind ?? line
}

const toFixture = (
  playbook: Playbook.Any,
  input: unknown,
  options: RecordOptions,
  paths: ReadonlyArray<RedactPath>,
  result: TestResult,
): Fixture => ({
  riposte: "fixture/1",
  playbook: { name: playbook.definition.meta.name, version: playbook.definition.meta.version },
  input: redact(input, paths, "trigger"),
  approvals: (options.approvals ?? {}) as Fixture["approvals"],
  redact: [...(options.redact ?? [])],
  result: { status: result.status, path: [...result.path] },
  calls: result.calls.map((c) => fixtureCall(c, paths)),
})

/**
 * Runs `playbook` against real connectors and writes the fixture. Connector calls run on the
 * live clock; the engine (gates, backoffs) on the test clock.
 *
 * @example
 * ```ts
 * const { fixture } = yield* Recording.record(phishing, alert, { file, connectors, approvals, redact: ["trigger.reporter"] })
 * ```
 */
export const record = <P extends Playbook.Any>(
  playbook: P,
  input: Playbook.Input<P>,
  options: RecordOptions,
): Effect.Effect<
  { readonly result: TestResult; readonly fixture: Fixture },
  TriggerValidationError | FixtureError
> =>
  Effect.gen(function* () {
    const paths = yield* Effect.try({
      try: () => (options.redact ?? []).map(parseRule),
      catch: (e) => new FixtureError({ file: options.file, detail: String((e as Error).message ?? e) }),
    })
    const log = makeLog()
    const result = yield* drive({
      playbook,
      input,
      connectors: logged(Layer.orDie(options.connectors), log, undefined, true),
      log,
      approvals: options.approvals ?? {},
      liveCalls: true,
      ...(options.layers === undefined ? {} : { layers: options.layers }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    })
    const fixture = toFixture(playbook, input, options, paths, result)
    yield* Effect.tryPromise({
      try: async () => {
        await mkdir(dirname(options.file), { recursive: true })
        await writeFile(options.file, `${JSON.stringify(fixture, null, 2)}\n`)
      },
      catch: (e) => new FixtureError({ file: options.file, detail: String(e) }),
    })
    return { result, fixture }
  })

/**
 * Reads and validates a fixture file.
 *
 * @example
 * ```ts
 * const fixture = yield* Recording.read("test/fixtures/phishing.json")
 * ```
 */
export const read = (file: string): Effect.Effect<Fixture, FixtureError> =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => readFile(file, "utf8"),
      catch: (e) => new FixtureError({ file, detail: String(e) }),
    })
    if (text.length > MAX_FIXTURE_BYTES)
      return yield* new FixtureError({ file, detail: `larger than ${MAX_FIXTURE_BYTES} bytes` })
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) => new FixtureError({ file, detail: `invalid JSON: ${String(e)}` }),
    })
    return yield* Schema.decodeUnknownEffect(Fixture)(json).pipe(
      Effect.mapError((issue) => new FixtureError({ file, detail: `not a fixture: ${String(issue)}` })),
    )
  })

/** Connector implementations that answer from the fixture by (step, attempt). */
const replayLayer = (fixture: Fixture): Layer.Layer<never> => {
  // Retries inside one activity share (step, attempt): they are served in recorded order.
  const byStep = new Map<string, Array<FixtureCall>>()
  for (const c of fixture.calls) {
    const key = `${c.step}#${c.attempt}`
    byStep.set(key, [...(byStep.get(key) ?? []), c])
  }
  const served = new Map<string, number>()
  const connectors = [...new Set(fixture.calls.map((c) => c.connector))]
  const services = connectors.map((connector) => {
    const handler =
      (action: string) =>
      (_input: unknown, context: Connector.CallContext): Effect.Effect<unknown, ConnectorError> => {
        const key = `${context.step}#${context.attempt}`
        const index = served.get(key) ?? 0
        served.set(key, index + 1)
        const recorded = byStep.get(key)?.[index]
        if (recorded === undefined || recorded.connector !== connector || recorded.action !== action) {
          return Effect.fail(
            new ConnectorError({
              connector,
              action,
              reason: new InvalidResponse({
                path: context.step,
                detail: "replay: no recorded response for this call",
              }),
            }),
          )
        }
        if (recorded.error !== undefined) {
          const decoded = decodeError(recorded.error)
          return Effect.fail(
            Option.isSome(decoded)
              ? decoded.value
              : new ConnectorError({
                  connector,
                  action,
                  reason: new InvalidResponse({
                    path: context.step,
                    detail: "replay: recorded a non-connector error",
                  }),
                }),
          )
        }
        return Effect.succeed(recorded.output)
      }
    const handlers = new Proxy({} as Record<string, ReturnType<typeof handler>>, {
      get: (_, action) => (typeof action === "string" ? handler(action) : undefined),
    })
    const key = Context.Service<unknown, Connector.ImplementationShape>(`@riposte/connector/${connector}`)
    return Layer.succeed(key)({ connector, handlers })
  })
  return Layer.mergeAll(Layer.empty, ...services) as Layer.Layer<never>
}

/**
 * Replays a fixture offline. Fails with `ReplayMismatch` (a line diff naming the changed steps)
 * when the playbook no longer takes the recorded path, makes other calls or ends differently.
 *
 * @example
 * ```ts
 * const result = yield* Recording.replay(phishing, "test/fixtures/phishing.json")
 * ```
 */
export const replay = <P extends Playbook.Any>(
  playbook: P,
  file: string,
  options: ReplayOptions = {},
): Effect.Effect<TestResult, ReplayMismatch | FixtureError | TriggerValidationError> =>
  Effect.gen(function* () {
    const fixture = yield* read(file)
    const paths = yield* Effect.try({
      try: () => fixture.redact.map(parseRule),
      catch: (e) => new FixtureError({ file, detail: String((e as Error).message ?? e) }),
    })
    const log = makeLog()
    const kinds = new Map(fixture.calls.map((c) => [`${c.connector}.${c.action}`, c.kind]))
    const result = yield* drive({
      playbook,
      input: fixture.input,
      connectors: logged(replayLayer(fixture), log, (connector, action) => {
        const kind = kinds.get(`${connector}.${action}`)
        return kind === "read" || kind === "write" || kind === "destructive" ? kind : undefined
      }),
      log,
      approvals: options.approvals ?? (fixture.approvals as Approval.Approvals),
      ...(options.layers === undefined ? {} : { layers: options.layers }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    })
    const expected = linesOf(fixture.result.path, fixture.calls, fixture.result.status)
    const actual = linesOf(
      result.path,
      result.calls.map((c) => fixtureCall(c, paths)),
      result.status,
    )
    if (!LineDiff.same(expected, actual)) {
      const changed = LineDiff.diff(expected, actual).filter((l) => l._tag !== "Same")
      return yield* new ReplayMismatch({
        fixture: file,
        diff: LineDiff.format(expected, actual),
        steps: [...new Set(changed.map((l) => stepOf(l.text)))],
        ...(result.status === "failed" ? { runError: describe(result.error) } : {}),
      })
    }
    return result
  })
