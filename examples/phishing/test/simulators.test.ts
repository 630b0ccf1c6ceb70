/**
 * The phishing playbook over real HTTP (undici) against the loopback simulators: copies really
 * move in the simulated mailboxes, blocks really land on the EDL; a dry run calls no write or
 * destructive endpoint; a rollback restores the simulators' state.
 */
import { assert, describe, it } from "@effect/vitest"
import { Blocklist } from "@riposte/connector-blocklist"
import { GraphMail } from "@riposte/connector-microsoft-graph-mail"
import { CaseStore, CaseStoreMemory, Engine } from "@riposte/core"
import { Email } from "@riposte/email"
import { BudgetCounters, Guardrails, Plan, Undo } from "@riposte/guardrails"
import { Simulator } from "@riposte/simulators"
import { Effect, Fiber, Layer } from "effect"
import { live } from "../src/connectors.ts"
import { phishing } from "../src/playbook.ts"
import { report } from "./emails.ts"

const mailboxes = ["alice@corp.example", "bob@corp.example", "carol@corp.example", "soc@corp.example"]

/** A simulator with three copies of the sample in three mailboxes and a clean reputation for known-good hosts. */
const simulator = (file: string) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const sim = yield* Effect.promise(() => Simulator.startAll())
      const input = report(file)
      const analysis = yield* Email.analyze(Buffer.from(input.emlBase64, "base64")).pipe(Effect.orDie)
      for (const mailbox of mailboxes) {
        sim.mail.seed(
          mailbox,
          mailbox === "soc@corp.example"
            ? []
            : [{ internetMessageId: analysis.messageId ?? "", subject: analysis.subject ?? "" }],
        )
      }
      for (const good of ["students.unam.na", "www.zenledger.io"]) sim.reputation.set(good, "benign")
      sim.reputation.set(
        "https://www.zenledger.io/wp-content/uploads/2023/01/60f6a9afaba0af0029922d6d_Coinbase-Wallet.png",
        "benign",
      )
      return { sim, input }
    }),
    ({ sim }) => Effect.promise(() => sim.close()),
  )

const engineOn = (sim: Awaited<ReturnType<typeof Simulator.startAll>>, guardrails?: Guardrails.Options) => {
  const connectors = live({
    virustotal: `${sim.urlOf("virustotal")}/api/v3`,
    graph: sim.urlOf("graph"),
    blocklist: sim.urlOf("edl"),
    mailboxes,
  })
  const engine = Engine.layerMemory({ playbooks: [phishing] }).pipe(
    Layer.provideMerge(CaseStoreMemory.layer),
    Layer.provideMerge(connectors),
  )
  return guardrails === undefined
    ? engine
    : engine.pipe(Layer.provide(Guardrails.layer(guardrails)), Layer.provide(BudgetCounters.layerMemory))
}

const planPhrases = {
  "microsoft-graph-mail.quarantineMessage": (g: { calls: number; targets: ReadonlyArray<string> }) =>
    `quarantine ${g.calls} copies from ${g.targets.length} mailboxes`,
  "blocklist.add": (g: { targets: ReadonlyArray<string> }) => `block ${g.targets.length} indicators`,
}

const tick = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))
const approveWhenAsked = Effect.gen(function* () {
  const engine = yield* Engine.Engine
  for (let i = 0; i < 4000; i++) {
    const [request] = yield* engine.pendingApprovals()
    if (request !== undefined)
      return yield* engine.decide(request.id, { decision: "approve", actor: "alice", roles: ["soc-lead"] })
    yield* tick
  }
  return yield* Effect.die(new Error("no approval requested"))
})

const inbox = (sim: Awaited<ReturnType<typeof Simulator.startAll>>, mailbox: string) =>
  sim.mail.mailbox(mailbox).filter((m) => m.parentFolderId === "inbox").length

const writeCalls = (calls: Readonly<Record<string, number>>) =>
  Object.entries(calls)
    .filter(
      ([route]) => /^(POST|DELETE|PATCH|PUT) \/(graph|edl)\//.test(route) && !route.includes("/oauth2/"),
    )
    .reduce((n, [, count]) => n + count, 0)

describe("phishing over real HTTP against the simulators", () => {
  it.effect("quarantines every copy and blocks; rollback restores the mailboxes and the blocklist", () =>
    Effect.gen(function* () {
      const { sim, input } = yield* simulator("sample-2151.eml")
      yield* Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const fiber = yield* Effect.forkChild(engine.run(phishing, input))
        yield* approveWhenAsked
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "completed")
        for (const mailbox of ["alice@corp.example", "bob@corp.example", "carol@corp.example"])
          assert.strictEqual(inbox(sim, mailbox), 0)
        assert.deepStrictEqual(
          sim.edl
            .entries()
            .map((e) => e.value)
            .sort(),
          ["201612653@students.unam.na", "https://mylinx.us/ndp5i", "mylinx.us"],
        )
        assert.deepStrictEqual(sim.duplicateKeys(), {})

        yield* Undo.rollback(result.runId, { connectors: [GraphMail, Blocklist], by: "alice" })
        for (const mailbox of ["alice@corp.example", "bob@corp.example", "carol@corp.example"])
          assert.strictEqual(inbox(sim, mailbox), 1)
        assert.deepStrictEqual(sim.edl.entries(), [])
      }).pipe(Effect.provide(engineOn(sim)))
    }),
  )

  it.effect("a dry run calls no write or destructive endpoint and prints its plan", () =>
    Effect.gen(function* () {
      const { sim, input } = yield* simulator("sample-2151.eml")
      yield* Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const fiber = yield* Effect.forkChild(engine.run(phishing, input))
        yield* approveWhenAsked
        const result = yield* Fiber.join(fiber)
        assert.deepStrictEqual(result.path.slice(-2), ["purge(planned)", "block(planned)"])
        assert.strictEqual(writeCalls(sim.calls()), 0)
        assert.isAbove(sim.calls()["GET /graph/v1.0/users/:user/messages"] ?? 0, 0)
        for (const mailbox of ["alice@corp.example", "bob@corp.example", "carol@corp.example"])
          assert.strictEqual(inbox(sim, mailbox), 1)
        const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
        const text = Plan.text(Plan.fromCase(view, { connectors: [GraphMail, Blocklist] }), {
          phrases: planPhrases,
        })
        assert.strictEqual(text, "would quarantine 3 copies from 3 mailboxes, block 3 indicators")
      }).pipe(Effect.provide(engineOn(sim, { dryRun: true })))
    }),
  )
})
