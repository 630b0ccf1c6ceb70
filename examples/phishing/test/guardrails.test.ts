/**
 * The phishing playbook under @riposte/guardrails: a dry run calls no write or destructive
 * endpoint and yields a reviewable plan; a rollback reverses every quarantine and block.
 * (Call counts come from the example's connector mocks.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Blocklist } from "@riposte/connector-blocklist"
import { GraphMail } from "@riposte/connector-microsoft-graph-mail"
import { CaseStore, CaseStoreMemory, Engine } from "@riposte/core"
import { BudgetCounters, Guardrails, Plan, Undo } from "@riposte/guardrails"
import { Effect, Fiber, Layer } from "effect"
import { phishing } from "../src/playbook.ts"
import { report } from "./emails.ts"
import { mocks } from "./mocks.ts"

const tick = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))
const pending = Effect.gen(function* () {
  const engine = yield* Engine.Engine
  for (let i = 0; i < 4000; i++) {
    const p = yield* engine.pendingApprovals()
    if (p[0] !== undefined) return p[0]
    yield* tick
  }
  return yield* Effect.die(new Error("no approval requested"))
})

const setup = (m: ReturnType<typeof mocks>, guardrails: Guardrails.Options | undefined) => {
  const engine = Engine.layerMemory({ playbooks: [phishing] }).pipe(
    Layer.provideMerge(CaseStoreMemory.layer),
    // Merged: rollback invokes the connectors outside the engine.
    Layer.provideMerge(m.layer),
  )
  return guardrails === undefined
    ? engine
    : engine.pipe(Layer.provide(Guardrails.layer(guardrails)), Layer.provide(BudgetCounters.layerMemory))
}

const writes = new Set(["mail.quarantine", "mail.restore", "mail.send", "block.add", "block.remove"])

/** Runs the malicious sample and approves the purge. */
const runApproved = Effect.gen(function* () {
  const engine = yield* Engine.Engine
  const fiber = yield* Effect.forkChild(engine.run(phishing, report("sample-2151.eml")))
  const request = yield* pending
  yield* engine.decide(request.id, { decision: "approve", actor: "alice", roles: ["soc-lead"] })
  return yield* Fiber.join(fiber)
})

describe("phishing playbook with guardrails", () => {
  it.effect(
    "dry run: reads are live, no write or destructive endpoint is called, the plan reads right",
    () => {
      const m = mocks({ malicious: ["mylinx.us"] })
      return Effect.gen(function* () {
        const result = yield* runApproved
        assert.deepStrictEqual(result.path.slice(-2), ["purge(planned)", "block(planned)"])
        assert.deepStrictEqual(
          m.calls.filter((c) => writes.has(c.action)),
          [],
        )
        assert.isTrue(m.calls.some((c) => c.action === "mail.search"))
        assert.isTrue(m.calls.some((c) => c.action.startsWith("vt.")))
        const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
        const plan = Plan.fromCase(view, { connectors: [GraphMail, Blocklist] })
        assert.strictEqual(
          Plan.text(plan, {
            phrases: {
              "microsoft-graph-mail.quarantineMessage": (g) =>
                `quarantine ${g.calls} copies from ${g.targets.length} mailboxes`,
              "blocklist.add": (g) => `block ${g.targets.length} indicators`,
            },
          }),
          "would quarantine 3 copies from 3 mailboxes, block 3 indicators",
        )
      }).pipe(Effect.provide(setup(m, { dryRun: true })))
    },
  )

  it.effect("rollback reverses every block and quarantine, newest first, once", () => {
    const m = mocks({ malicious: ["mylinx.us"] })
    return Effect.gen(function* () {
      const result = yield* runApproved
      const done = m.calls.filter((c) => c.action === "mail.quarantine" || c.action === "block.add")
      assert.strictEqual(done.length, 6)
      const before = m.calls.length
      const rolled = yield* Undo.rollback(result.runId, { connectors: [GraphMail, Blocklist], by: "alice" })
      const reversals = m.calls.slice(before)
      assert.deepStrictEqual(
        reversals.map((c) => c.action),
        ["block.remove", "block.remove", "block.remove", "mail.restore", "mail.restore", "mail.restore"],
      )
      // Every blocked value is removed, every quarantined copy (by its new id) restored.
      assert.deepStrictEqual(
        reversals
          .filter((c) => c.action === "block.remove")
          .map((c) => (c.input as { value: string }).value)
          .sort(),
        done
          .filter((c) => c.action === "block.add")
          .map((c) => (c.input as { value: string }).value)
          .sort(),
      )
      assert.deepStrictEqual(
        reversals
          .filter((c) => c.action === "mail.restore")
          .map((c) => (c.input as { id: string }).id)
          .sort(),
        ["q-msg-0", "q-msg-1", "q-msg-2"],
      )
      assert.isTrue(reversals.every((c) => c.key.endsWith(":undo")))
      assert.strictEqual(rolled.reversals.filter((r) => r.status === "undone").length, 6)
      const again = yield* Undo.rollback(result.runId, { connectors: [GraphMail, Blocklist], by: "alice" })
      assert.strictEqual(again.alreadyUndone, 6)
      assert.strictEqual(m.calls.length, before + 6)
    }).pipe(Effect.provide(setup(m, undefined)))
  })
})
