import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { CaseStore, CaseStoreMemory, Engine, playbook } from "../src/index.ts"
import { Mail, makeLog, mocks, Reputation } from "./fixtures.ts"

const Reported = Schema.Struct({
  messageId: Schema.String,
  sender: Schema.String,
  reporter: Schema.String,
  urls: Schema.Array(Schema.String),
})

const phishing = playbook("phish-test", { version: "1.0.0" })
  .trigger(Reported, { idempotencyKey: (i) => i.messageId })
  .enrich(
    "urls",
    (ctx) => ctx.trigger.urls.map((url) => Reputation.url({ url })),
    { onError: "continue", concurrency: 4 },
  )
  .enrich("sender", (ctx) => ({ rep: Reputation.sender({ address: ctx.trigger.sender }) }))
  .decide("verdict", (ctx) =>
    ctx.urls.some((r) => r._tag === "Success" && r.value.malicious > 0)
      ? "malicious"
      : ctx.urls.some((r) => r._tag === "Failure")
        ? "inconclusive"
        : "benign",
  )
  .branch("verdict", {
    malicious: (p) =>
      p
        .enrich("copies", (ctx) => ({ search: Mail.search({ messageId: ctx.trigger.messageId }) }))
        .approve("purge-ok", {
          roles: ["soc-lead"],
          timeout: "4 hours",
          onTimeout: "deny",
          summary: (ctx) => `Purge ${ctx.copies.search.mailboxes.length} copies of ${ctx.trigger.messageId}`,
        })
        .act("purge", (ctx) =>
          ctx.copies.search.mailboxes.map((mailbox) => Mail.purge({ messageId: ctx.trigger.messageId, mailbox })),
        )
        .case({ severity: "high", status: "contained" }),
    inconclusive: (p) => p.case({ assignee: "tier2", status: "triaged" }),
    benign: (p) =>
      p.act("notify", (ctx) => Mail.notify({ to: ctx.trigger.reporter, text: "benign" })).close("benign: no malicious indicator"),
  })

const input = (urls: ReadonlyArray<string>) => ({
  messageId: `<m-${urls.join(",")}@x>`,
  sender: "a@evil.test",
  reporter: "r@corp.test",
  urls,
})

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
