/**
 * Planted secrets never leak. The phishing playbook runs over real HTTP against the simulators
 * on the durable SQLite runtime, with a unique planted credential per connector, tracing to an
 * in-memory exporter and every log line captured — once on the happy path and once with the
 * vendors failing. Then every captured byte is searched: log lines, span names, attributes and
 * events, run errors, the case view, and the database files (journal and case store, WAL
 * included).
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { CaseStore, Engine, Tracing } from "@riposte/core"
import { Email } from "@riposte/email"
import { Simulator } from "@riposte/simulators"
import { Effect, Exit, Layer, Logger } from "effect"
import { directory, engine, pendingOf, poll } from "../../test-support/Durable.ts"
import { live } from "../src/connectors.ts"
import { phishing } from "../src/playbook.ts"
import { report } from "./emails.ts"

const planted = () => {
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`
  return { virustotal: `vt-secret-${tag}`, graph: `graph-secret-${tag}`, blocklist: `edl-secret-${tag}` }
}

const scenario = (failureRate: number) =>
  Effect.gen(function* () {
    const secrets = planted()
    const lines: Array<string> = []
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const dir = directory()
    const sim = yield* Effect.acquireRelease(
      Effect.promise(() => Simulator.startAll({ failureRate })),
      (s) => Effect.promise(() => s.close()),
    )
    yield* Effect.addFinalizer(() => Effect.sync(dir.cleanup))
    const input = report("sample-2151.eml")
    const analysis = yield* Email.analyze(Buffer.from(input.emlBase64, "base64")).pipe(Effect.orDie)
    for (const mailbox of ["alice@corp.example", "bob@corp.example", "soc@corp.example"]) {
      sim.mail.seed(
        mailbox,
        mailbox === "soc@corp.example" ? [] : [{ internetMessageId: analysis.messageId ?? "" }],
      )
    }
    const connectors = live(
      {
        virustotal: `${sim.urlOf("virustotal")}/api/v3`,
        graph: sim.urlOf("graph"),
        blocklist: sim.urlOf("edl"),
        mailboxes: ["alice@corp.example", "bob@corp.example", "soc@corp.example"],
      },
      secrets,
    )
    // Every log line, with its cause and annotations, as JSON.
    const capture = Logger.layer([Logger.make((options) => void lines.push(Logger.formatJson.log(options)))])
    const layer = engine(dir.path, [phishing], connectors).pipe(
      Layer.provideMerge(Tracing.layer(provider)),
      Layer.provide(capture),
    )
    const outcome = yield* Effect.scoped(
      Effect.gen(function* () {
        const e = yield* Engine.Engine
        const { runId } = yield* e.start(phishing, input)
        const run = yield* Effect.exit(
          Effect.gen(function* () {
            if (failureRate === 0) {
              const request = yield* pendingOf(runId)
              yield* e.decide(request.id, { decision: "approve", actor: "alice", roles: ["soc-lead"] })
            }
            return yield* poll(
              "the run to end",
              Effect.map(e.status(runId), (s) =>
                s._tag === "Completed" || s._tag === "Failed" ? s : undefined,
              ),
            )
          }),
        )
        const store = yield* CaseStore.CaseStore
        const [first] = yield* store.list({ playbook: "phishing" })
        const view = first === undefined ? undefined : yield* store.view(first.id)
        return { run, view }
      }).pipe(Effect.provide(layer)),
    )
    yield* Effect.promise(() => provider.forceFlush())
    const spans = exporter
      .getFinishedSpans()
      .map((s) =>
        JSON.stringify({ name: s.name, attributes: s.attributes, events: s.events, status: s.status }),
      )
    const files = readdirSync(dir.path).map((f) => readFileSync(join(dir.path, f)).toString("latin1"))
    const texts = [
      ...lines,
      ...spans,
      Exit.isSuccess(outcome.run) ? JSON.stringify(outcome.run.value) : String(outcome.run.cause),
      JSON.stringify(outcome.view),
      ...files,
    ]
    return { secrets, texts, spans, lines, files, outcome, sim }
  })

const assertNoLeak = (result: Effect.Success<ReturnType<typeof scenario>>) => {
  for (const secret of Object.values(result.secrets)) {
    for (const text of result.texts) {
      const at = text.indexOf(secret)
      assert.isTrue(at < 0, `a planted credential leaked: …${text.slice(Math.max(0, at - 80), at + 40)}…`)
    }
  }
}

describe("planted credentials never leak", () => {
  it.live("happy path: logs, spans, journal, case and database files are clean", () =>
    Effect.gen(function* () {
      const result = yield* scenario(0)
      // The search covered real material: spans were exported, the database holds the run.
      assert.isAbove(result.spans.length, 10)
      assert.isTrue(result.files.some((f) => f.includes("quarantineMessage")))
      // The credentials did reach the vendors (the simulators saw authenticated calls).
      assert.isAbove(
        Object.values(result.sim.calls()).reduce((a, b) => a + b, 0),
        5,
      )
      assertNoLeak(result)
    }),
  )

  it.live("failing vendors: errors, retries and failure records are clean too", () =>
    Effect.gen(function* () {
      const result = yield* scenario(1)
      assertNoLeak(result)
    }),
  )
})
