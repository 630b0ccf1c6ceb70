import { assert, describe, it } from "@effect/vitest"
import { CaseStoreMemory, Engine, type PlaybookInactive, playbook } from "@riposte/core"
import { Effect, Layer, Schema } from "effect"
import { Migrations, Provenance } from "../src/index.ts"
import { sqliteClient } from "./backends.ts"
import { Edr, makeWorld, mocks } from "./fixtures.ts"

const drafted = playbook("agent-triage", { version: "1" })
  .trigger(Schema.Struct({ host: Schema.String }))
  .enrich("host", (ctx) => [Edr.getHost({ host: ctx.trigger.host })])
const written = playbook("human-triage", { version: "1" })
  .trigger(Schema.Struct({ host: Schema.String }))
  .enrich("host", (ctx) => [Edr.getHost({ host: ctx.trigger.host })])
const stray = playbook("stray", { version: "1" })
  .trigger(Schema.Struct({ host: Schema.String }))
  .enrich("host", (ctx) => [Edr.getHost({ host: ctx.trigger.host })])

const options: Provenance.Options = {
  playbooks: [Provenance.register(drafted, "agent"), Provenance.register(written, "human")],
}

const layers = [
  ["memory", Provenance.layerMemory(options)],
  [
    "sqlite",
    Provenance.layerSql(options).pipe(
      Layer.provide(Layer.effectDiscard(Migrations.migrate)),
      Layer.provide(sqliteClient),
    ),
  ],
] as const

for (const [name, provenance] of layers) {
  describe(`Provenance (${name})`, () => {
    it.effect("an agent-drafted playbook is inactive until a named human activates it", () =>
      Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const service = yield* Provenance.Provenance
        const refused = yield* Effect.flip(engine.start(drafted, { host: "h1" }))
        assert.strictEqual(refused._tag, "PlaybookInactive")
        assert.strictEqual((refused as PlaybookInactive).reason, "NotActivated")
        // Human-written playbooks run; unregistered ones are refused by default.
        yield* engine.run(written, { host: "h1" })
        const strayRefused = yield* Effect.flip(engine.start(stray, { host: "h1" }))
        assert.strictEqual((strayRefused as PlaybookInactive).detail, "not registered with provenance")
        // An activation needs a named person.
        const anonymous = yield* Effect.flip(service.activate("agent-triage", "1", "  "))
        assert.strictEqual(anonymous.reason, "InvalidActor")

        const record = yield* service.activate("agent-triage", "1", "alice")
        assert.strictEqual(record.activatedBy, "alice")
        assert.strictEqual(record.source, "agent")
        assert.deepStrictEqual(yield* service.activation("agent-triage", "1"), record)
        const run = yield* engine.run(drafted, { host: "h1" })
        assert.strictEqual(run.status, "completed")
        // A second activation keeps the first activator on record.
        const second = yield* service.activate("agent-triage", "1", "bob")
        assert.strictEqual(second.activatedBy, "alice")
      }).pipe(
        Effect.provide(
          Engine.layerMemory({ playbooks: [drafted, written, stray] }).pipe(
            Layer.provideMerge(provenance),
            Layer.provide(CaseStoreMemory.layer),
            Layer.provide(mocks(makeWorld())),
          ),
        ),
      ),
    )
  })
}
