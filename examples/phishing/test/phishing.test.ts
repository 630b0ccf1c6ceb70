import { assert, describe, it } from "@effect/vitest"
import { CaseRender } from "@riposte/case-store"
import { CaseStore, CaseStoreMemory, Engine, toMermaid } from "@riposte/core"
import { Effect, Fiber, Layer } from "effect"
import { phishing } from "../src/playbook.ts"
import { report } from "./emails.ts"
import { mocks } from "./mocks.ts"

const setup = (m: ReturnType<typeof mocks>) =>
  Engine.layerMemory({ playbooks: [phishing] }).pipe(
    Layer.provideMerge(CaseStoreMemory.layer),
    Layer.provide(m.layer),
  )

/** Real time passes (the email parser runs in a worker thread); the TestClock does not move. */
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

describe("phishing playbook (in-memory engine, mocked connectors, real emails)", () => {
  it.effect(
    "malicious: QR-code phish → copies found, approval, every copy quarantined, sender/domain/URL blocked, case contained",
    () => {
      const m = mocks({ malicious: ["mylinx.us"] })
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const fiber = yield* Effect.forkChild(engine.run(phishing, report("sample-2151.eml")))
        const request = yield* pending
        assert.strictEqual(
          request.summary,
          'Quarantine 3 copies of "Case n°6048892988," in 3 mailboxes and block 3 indicators (201612653@students.unam.na, https://mylinx.us/ndp5i, mylinx.us)',
        )
        assert.isFalse(m.calls.some((c) => c.action === "mail.quarantine" || c.action === "block.add"))
        yield* engine.decide(request.id, {
          decision: "approve",
          actor: "alice",
          roles: ["soc-lead"],
          comment: "QR phish",
        })
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "completed")
        assert.deepStrictEqual(result.path, [
          "email",
          "indicators",
          "intel",
          "judgement",
          "verdict=malicious",
          "copies",
          "blocks",
          "purge-approval=approved",
          "purge",
          "block",
        ])
        assert.strictEqual(m.calls.filter((c) => c.action === "mail.quarantine").length, 3)
        const blocked = m.calls
          .filter((c) => c.action === "block.add")
          .map((c) => (c.input as { value: string }).value)
        assert.deepStrictEqual(
          blocked.sort(),
          ["201612653@students.unam.na", "https://mylinx.us/ndp5i", "mylinx.us"].sort(),
        )
        const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
        assert.strictEqual(view.case.status, "contained")
        assert.strictEqual(view.case.severity, "high")
        assert.isNotNull(view.case.containedAt)
        assert.isTrue(
          view.observables.some((o) => o.value === "https://mylinx.us/ndp5i" && o.verdict === "malicious"),
        )
        assert.isTrue(
          view.notes.some((n) => n.text.startsWith("Verdict malicious") && n.text.includes("mylinx.us")),
        )
        assert.isTrue(
          view.actions.filter((a) => a.kind === "destructive").every((a) => a.approvalRef === request.id),
        )
        assert.strictEqual(view.approvals[0]!.approvers[0], "alice")
        // The enrichment of every URL, domain and attachment is in the case.
        assert.strictEqual(
          view.enrichments.filter((e) => e.connector === "virustotal").length,
          m.calls.filter((c) => c.action.startsWith("vt.")).length,
        )
      }).pipe(Effect.provide(setup(m)))
    },
  )

  it.effect("inconclusive: authentication failures without a malicious indicator go to tier 2", () => {
    const m = mocks({ malicious: [] })
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const result = yield* engine.run(phishing, report("mailparser-nodemailer.eml"))
      assert.deepStrictEqual(result.path.slice(-1), ["verdict=inconclusive"])
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.strictEqual(view.case.assignee, "tier2")
      assert.strictEqual(view.case.status, "triaged")
      assert.isFalse(m.calls.some((c) => c.action.startsWith("mail.") || c.action.startsWith("block.")))
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("benign: the reporter is told and the case closed with the reason", () => {
    const m = mocks({ malicious: [] })
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const result = yield* engine.run(phishing, report("internal-lunch.eml", "dave@corp.example"))
      assert.strictEqual(result.status, "closed")
      const sent = m.calls.filter((c) => c.action === "mail.send")
      assert.strictEqual(sent.length, 1)
      assert.strictEqual((sent[0]!.input as { to: string }).to, "dave@corp.example")
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.strictEqual(view.case.status, "closed")
      assert.match(view.case.resolution ?? "", /^benign: /)
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("deny: nothing is quarantined or blocked", () => {
    const m = mocks({ malicious: ["thebandalisty.com"] })
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(engine.run(phishing, report("sample-10.eml")))
      const request = yield* pending
      yield* engine.decide(request.id, {
        decision: "deny",
        actor: "bob",
        roles: ["soc-lead"],
        comment: "simulation campaign",
      })
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "denied")
      assert.isFalse(m.calls.some((c) => c.action === "mail.quarantine" || c.action === "block.add"))
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("the same email reported twice joins the same run", () => {
    const m = mocks({ malicious: [] })
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const a = yield* engine.start(phishing, report("internal-lunch.eml", "x@corp.example"))
      const b = yield* engine.start(phishing, report("internal-lunch.eml", "x@corp.example"))
      assert.strictEqual(a.runId, b.runId)
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("the case renders as a readable timeline", () => {
    const m = mocks({ malicious: ["mylinx.us"] })
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(engine.run(phishing, report("sample-2151.eml")))
      const request = yield* pending
      yield* engine.decide(request.id, { decision: "approve", actor: "alice", roles: ["soc-lead"] })
      const result = yield* Fiber.join(fiber)
      const text = CaseRender.text(yield* (yield* CaseStore.CaseStore).view(result.caseId))
      assert.include(text, "Reported phishing from reporter@corp.example")
      assert.include(text, "contained")
      assert.include(text, "https://mylinx.us/ndp5i")
      assert.include(text, "alice")
      assert.match(text, /quarantineMessage/)
    }).pipe(Effect.provide(setup(m)))
  })

  it("renders as a Mermaid flowchart with the gate and destructive actions marked", () => {
    const chart = toMermaid(phishing)
    assert.include(chart, "✋ approval: purge-approval (soc-lead)")
    assert.include(chart, "⚠ DESTRUCTIVE: purge")
    assert.include(chart, "⚠ DESTRUCTIVE: block")
    assert.notInclude(chart, "DESTRUCTIVE: notify")
  })
})

describe("blocking policy", () => {
  it.effect(
    "a shortener or shared mail domain is never blocked whole: its malicious URL and the sender are",
    () => {
      const m = mocks({ malicious: ["is.gd"] })
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const fiber = yield* Effect.forkChild(engine.run(phishing, report("sample-242.eml")))
        const request = yield* pending
        yield* engine.decide(request.id, { decision: "approve", actor: "alice", roles: ["soc-lead"] })
        yield* Fiber.join(fiber)
        const blocked = m.calls
          .filter((c) => c.action === "block.add")
          .map((c) => (c.input as { value: string }).value)
        assert.deepStrictEqual(blocked.sort(), ["https://is.gd/B38mwM#FrCWuMFZDXkxhnW", "phishing@pot"])
      }).pipe(Effect.provide(setup(m)))
    },
  )
})
