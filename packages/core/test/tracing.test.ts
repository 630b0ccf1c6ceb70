import { assert, describe, it } from "@effect/vitest"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Schema } from "effect"
import { CaseStoreMemory, Engine, playbook, Tracing } from "../src/index.ts"
import { makeLog, mocks, Reputation } from "./fixtures.ts"

const pb = playbook("traced", { version: "2.1.0" })
  .trigger(Schema.Struct({ urls: Schema.Array(Schema.String) }))
  .enrich("rep", (ctx) => ctx.trigger.urls.map((url) => Reputation.url({ url })))
  .decide("verdict", (ctx) => (ctx.rep.some((r) => r.malicious > 0) ? "bad" : "good"))
  .branch("verdict", { bad: (p) => p.case({ severity: "high" }), good: (p) => p.close("fine") })

describe("tracing", () => {
  it.effect("one span per run, per step and per connector call, parented run → step → call", () => {
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const layer = Engine.layerMemory({ playbooks: [pb] }).pipe(
      Layer.provideMerge(CaseStoreMemory.layer),
      Layer.provide(mocks(makeLog())),
      Layer.provideMerge(Tracing.layer(provider)),
    )
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      yield* engine.run(pb, { urls: ["https://a.test/", "https://b.test/"] })
      yield* Effect.promise(() => provider.forceFlush())
      const spans = exporter.getFinishedSpans()
      const byName = (name: string) => spans.filter((s) => s.name === name)
      const run = byName("riposte.run traced")
      assert.strictEqual(run.length, 1)
      assert.strictEqual(run[0]!.attributes["riposte.playbook"], "traced")
      assert.strictEqual(run[0]!.attributes["riposte.playbook.version"], "2.1.0")
      const steps = spans.filter((s) => s.name.startsWith("riposte.step "))
      assert.deepStrictEqual(
        steps.map((s) => s.name).sort(),
        ["riposte.step close#0", "riposte.step rep", "riposte.step verdict", "riposte.step verdict"].sort(),
      )
      const runId = run[0]!.spanContext().spanId
      const parentOf = (s: (typeof spans)[number]) => s.parentSpanContext?.spanId
      // Top-level steps are children of the run span.
      for (const s of steps.filter((s) => s.attributes["riposte.step.kind"] !== "close")) {
        if (s.attributes["riposte.step"] === "rep") assert.strictEqual(parentOf(s), runId)
      }
      const rep = steps.find((s) => s.attributes["riposte.step"] === "rep")!
      assert.strictEqual(rep.attributes["riposte.step.kind"], "enrich")
      const calls = byName("riposte.call reputation.url")
      assert.strictEqual(calls.length, 2)
      for (const call of calls) {
        assert.strictEqual(call.attributes["riposte.connector"], "reputation")
        assert.strictEqual(call.attributes["riposte.action"], "url")
        assert.strictEqual(call.attributes["riposte.kind"], "read")
        assert.strictEqual(call.attributes["riposte.attempt"], 1)
        // Each call span sits under the enrich step's span (possibly through the activity's own spans).
        let cursor: (typeof spans)[number] | undefined = call
        const chain: Array<string> = []
        while (cursor !== undefined && parentOf(cursor) !== undefined) {
          const parentId = parentOf(cursor)
          cursor = spans.find((s) => s.spanContext().spanId === parentId)
          if (cursor) chain.push(cursor.name)
        }
        assert.include(chain, "riposte.step rep")
        assert.isTrue(
          chain.indexOf("riposte.step rep") < chain.indexOf("riposte.run traced"),
          chain.join(" < "),
        )
      }
      // No input values in span attributes (they may carry indicators or secrets).
      assert.isFalse(spans.some((s) => JSON.stringify(s.attributes).includes("https://a.test/")))
    }).pipe(Effect.provide(layer))
  })
})
