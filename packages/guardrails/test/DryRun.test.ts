import { assert, describe, it } from "@effect/vitest"
import { CaseStore, Engine, playbook, policy } from "@riposte/core"
import { Effect, Layer, Schema } from "effect"
import { BudgetCounters, Guardrails, Plan, Scope } from "../src/index.ts"
import { Dns, Mail, makeWorld, memoryEngine } from "./fixtures.ts"

/** Search every message (read), purge every copy (destructive), block the domains (write). */
const cleanup = playbook("mail-cleanup", { version: "1" })
  .trigger(Schema.Struct({ messageIds: Schema.Array(Schema.String), domains: Schema.Array(Schema.String) }))
  .enrich("search", (ctx) => ctx.trigger.messageIds.map((messageId) => Mail.search({ messageId })))
  .act(
    "purge",
    (ctx) =>
      ctx.search.flatMap((found, i) =>
        found.mailboxes.map((mailbox) => Mail.purge({ messageId: ctx.trigger.messageIds[i]!, mailbox })),
      ),
    { policy: policy("phish-cleanup", "test"), concurrency: 16 },
  )
  .act("block", (ctx) => ctx.trigger.domains.map((domain) => Dns.blockDomain({ domain })))

// 6 messages, each in 52 mailboxes: 312 copies over 57 distinct mailboxes (u0 … u56).
const messageIds = Array.from({ length: 6 }, (_, k) => `m${k}`)
const search = Object.fromEntries(
  messageIds.map((id, k) => [id, Array.from({ length: 52 }, (_, j) => `u${k + j}@corp.example`)]),
)

const phrases: Plan.Phrases = {
  "mail.purge": (g) => `purge ${g.calls} copies from ${g.targets.length} mailboxes`,
  "dns.blockDomain": (g) => `block ${g.targets.length} domains`,
}

describe("dry run", () => {
  it.effect("writes and destructive calls are planned, reads stay live, the plan reads right", () => {
    const world = makeWorld()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const store = yield* CaseStore.CaseStore
      const result = yield* engine.run(cleanup, { messageIds, domains: ["a.test", "b.test", "c.test"] })
      assert.deepStrictEqual(result.path, ["search", "purge(planned)", "block(planned)"])
      // Reads ran live; no write or destructive mock was called.
      assert.strictEqual(world.calls.filter((c) => c.call === "mail.search").length, 6)
      assert.deepStrictEqual(
        world.calls.filter((c) => c.call !== "mail.search"),
        [],
      )
      assert.deepStrictEqual(world.purged, [])
      assert.strictEqual(world.blocked.size, 0)
      const view = yield* store.view(result.caseId)
      const plan = Plan.fromCase(view, { connectors: [Mail, Dns] })
      assert.strictEqual(
        Plan.text(plan, { phrases }),
        "would purge 312 copies from 57 mailboxes, block 3 domains",
      )
      const purge = plan.groups.find((g) => g.action === "purge")!
      assert.strictEqual(purge.category, "mailbox")
      assert.strictEqual(purge.kind, "destructive")
      assert.deepStrictEqual(purge.steps, ["purge"])
      assert.deepStrictEqual(plan.groups.find((g) => g.action === "blockDomain")!.targets, [
        "a.test",
        "b.test",
        "c.test",
      ])
      // Without the definitions the targets come from the recorded summaries.
      assert.strictEqual(
        Plan.text(Plan.fromCase(view), { phrases }),
        "would purge 312 copies from 57 mailboxes, block 3 domains",
      )
      assert.strictEqual(
        Plan.text(Plan.fromCase(view)),
        "would purge 57 targets (312 calls), blockDomain 3 targets",
      )
      // JSON-serialisable for review tools.
      assert.deepStrictEqual(JSON.parse(JSON.stringify(plan)), plan)
    }).pipe(
      Effect.provide(
        memoryEngine(world, [cleanup], search).pipe(
          Layer.provide(Guardrails.layer({ dryRun: true })),
          Layer.provide(BudgetCounters.layerMemory),
        ),
      ),
    )
  })

  it.effect("scope rules still apply in a dry run: the plan lists what would be blocked", () => {
    const world = makeWorld()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const store = yield* CaseStore.CaseStore
      const result = yield* engine.run(cleanup, { messageIds: ["m0"], domains: ["a.test"] })
      const plan = Plan.fromCase(yield* store.view(result.caseId), { connectors: [Mail, Dns] })
      assert.strictEqual(
        Plan.text(plan, { phrases }),
        "would purge 52 copies from 52 mailboxes; 1 call blocked by guardrails",
      )
      assert.strictEqual(plan.blocked[0]!.reason, "scope rule 'no-dns': frozen")
      assert.strictEqual(world.calls.filter((c) => c.call !== "mail.search").length, 0)
    }).pipe(
      Effect.provide(
        memoryEngine(world, [cleanup], search).pipe(
          Layer.provide(
            Guardrails.layer({
              dryRun: true,
              scope: [Scope.deny("no-dns", (c) => c.connector === "dns", "frozen")],
            }),
          ),
          Layer.provide(BudgetCounters.layerMemory),
        ),
      ),
    )
  })
})
