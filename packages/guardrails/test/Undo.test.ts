import { assert, describe, it } from "@effect/vitest"
import { SqlCaseStore } from "@riposte/case-store"
import { CaseStore, CaseStoreMemory, Engine, playbook, policy } from "@riposte/core"
import { Effect, Layer, Schema } from "effect"
import { Undo } from "../src/index.ts"
import { sqliteClient } from "./backends.ts"
import { Edr, Idp, makeWorld, mocks, type World } from "./fixtures.ts"

const auto = policy("auto", "test")
const contain = playbook("contain", { version: "1" })
  .trigger(Schema.Struct({ hosts: Schema.Array(Schema.String), user: Schema.String }))
  .act("isolate", (ctx) => ctx.trigger.hosts.map((host) => Edr.isolate({ host })), {
    policy: auto,
    concurrency: 1,
  })
  .act("disable", (ctx) => Idp.disableUser({ user: ctx.trigger.user }))

const stores: ReadonlyArray<readonly [string, Layer.Layer<CaseStore.CaseStore, unknown>]> = [
  ["memory", CaseStoreMemory.layer],
  [
    "sqlite",
    SqlCaseStore.layer({ dialect: "sqlite" }).pipe(
      Layer.provide(Layer.effectDiscard(SqlCaseStore.migrate({ dialect: "sqlite" }))),
      Layer.provide(sqliteClient),
    ),
  ],
]

const setup = (world: World, store: Layer.Layer<CaseStore.CaseStore, unknown>) =>
  Engine.layerMemory({ playbooks: [contain] }).pipe(
    Layer.provideMerge(store),
    Layer.provideMerge(mocks(world)),
  )

for (const [name, store] of stores) {
  describe(`Undo.rollback (${name} case store)`, () => {
    it.effect("reverses undoable actions newest first, restores the state, records it, runs once", () => {
      const world = makeWorld()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const cases = yield* CaseStore.CaseStore
        const result = yield* engine.run(contain, { hosts: ["h1", "h2"], user: "bob" })
        assert.deepStrictEqual([...world.isolated], ["h1", "h2"])
        assert.deepStrictEqual([...world.disabled], ["bob"])
        const before = yield* cases.view(result.caseId)
        // The store persisted the reverse calls.
        assert.deepStrictEqual(
          before.actions.map((a) => a.undo),
          [
            { connector: "edr", action: "release", input: { host: "h1", isolationId: "iso-h1" } },
            { connector: "edr", action: "release", input: { host: "h2", isolationId: "iso-h2" } },
            { connector: "idp", action: "enableUser", input: { user: "bob" } },
          ],
        )
        const originalKeys = before.actions.map((a) => a.idempotencyKey)
        world.calls.length = 0

        const rolled = yield* Undo.rollback(result.runId, { connectors: [Edr, Idp], by: "alice" })
        assert.deepStrictEqual(
          world.calls.map((c) => `${c.call}:${JSON.stringify(c.input)}`),
          [
            `idp.enableUser:{"user":"bob"}`,
            `edr.release:{"host":"h2","isolationId":"iso-h2"}`,
            `edr.release:{"host":"h1","isolationId":"iso-h1"}`,
          ],
        )
        assert.deepStrictEqual(
          world.calls.map((c) => c.key),
          [...originalKeys].reverse().map((k) => `${k}:undo`),
        )
        assert.strictEqual(world.isolated.size, 0)
        assert.strictEqual(world.disabled.size, 0)
        assert.deepStrictEqual(
          rolled.reversals.map((r) => r.status),
          ["undone", "undone", "undone"],
        )
        const after = yield* cases.view(result.caseId)
        const undone = after.actions.filter((a) => a.status === "undone")
        assert.deepStrictEqual(
          undone.map((a) => [a.stepPath, a.actor.id]),
          [
            ["disable/undo", "alice"],
            ["isolate[1]/undo", "alice"],
            ["isolate[0]/undo", "alice"],
          ],
        )
        assert.isTrue(
          after.timeline.some(
            (e) => e.message === "rollback by alice: 3 reversed, 0 failed, 0 already undone",
          ),
        )

        // A second rollback (by case id) reverses nothing again.
        world.calls.length = 0
        const again = yield* Undo.rollback(result.caseId, { connectors: [Edr, Idp], by: "alice" })
        assert.strictEqual(again.alreadyUndone, 3)
        assert.strictEqual(again.reversals.length, 0)
        assert.strictEqual(world.calls.length, 0)
      }).pipe(Effect.provide(setup(world, store)))
    })

    it.effect("a reversal without a known definition is recorded as failed, the others still run", () => {
      const world = makeWorld()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const result = yield* engine.run(contain, { hosts: ["h1"], user: "bob" })
        const rolled = yield* Undo.rollback(result.caseId, { connectors: [Edr], by: "alice" })
        assert.deepStrictEqual(
          rolled.reversals.map((r) => [r.action, r.status]),
          [
            ["enableUser", "failed"],
            ["release", "undone"],
          ],
        )
        assert.deepStrictEqual([...world.disabled], ["bob"])
        assert.strictEqual(world.isolated.size, 0)
      }).pipe(Effect.provide(setup(world, store)))
    })
  })
}
