import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { CaseStore, CaseStoreMemory, Engine } from "../src/index.ts"
import { makeLog, mocks } from "./fixtures.ts"
import { input, phishing } from "./phishing.ts"

const setup = (log = makeLog(), options: Parameters<typeof mocks>[1] = {}) =>
  Engine.layerMemory({ playbooks: [phishing] }).pipe(
    Layer.provideMerge(CaseStoreMemory.layer),
    Layer.provide(mocks(log, options)),
  )

describe("DSL on the in-memory engine", () => {
  it.effect("benign path closes the case and notifies the reporter", () => {
    const log = makeLog()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const result = yield* engine.run(phishing, input(["https://ok.test/"]))
      assert.strictEqual(result.status, "closed")
      assert.deepStrictEqual(result.path, ["urls", "sender", "verdict=benign", "notify", "close"])
      assert.deepStrictEqual(
        log.calls.map((c) => `${c.connector}.${c.action}`),
        ["reputation.url", "reputation.sender", "mail.notify"],
      )
      const store = yield* CaseStore.CaseStore
      const c = yield* store.get(result.caseId)
      assert.strictEqual(c.status, "closed")
      assert.strictEqual(c.resolution, "benign: no malicious indicator")
    }).pipe(Effect.provide(setup(log)))
  })
})
