import { assert, describe, it } from "@effect/vitest"
import { ConnectorError, playbook, Transport, TriggerValidationError } from "@riposte/core"
import { Effect, Schema } from "effect"
import { Test, UnmockedCall } from "../src/index.ts"
import { alert, Mail, mocks, Reputation, triage } from "./fixtures.ts"

const HOUR = 60 * 60 * 1000

describe("Test.run", () => {
  it.effect("approve: the runner waits for the gate, decides, and every copy is purged", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(triage, alert(["https://evil.test/a"]), {
        mocks,
        approvals: { "purge-ok": Test.approve("alice", { roles: ["soc-lead"], comment: "confirmed" }) },
      })
      assert.strictEqual(result.status, "completed")
      assert.deepStrictEqual(result.path, [
        "urls",
        "verdict=malicious",
        "copies",
        "purge-ok=approved",
        "purge",
      ])
      assert.deepStrictEqual(
        result.calls.map((c) => [c.step, `${c.connector}.${c.action}`, c.kind, c.input]),
        [
          ["urls[0]", "reputation.url", "read", { url: "https://evil.test/a" }],
          ["verdict.malicious/copies[search]", "mail.search", "read", { messageId: "<m-1@x>" }],
          [
            "verdict.malicious/purge[0]",
            "mail.purge",
            "destructive",
            { messageId: "<m-1@x>", mailbox: "alice@corp.test" },
          ],
          [
            "verdict.malicious/purge[1]",
            "mail.purge",
            "destructive",
            { messageId: "<m-1@x>", mailbox: "bob@corp.test" },
          ],
        ],
      )
      const purgeKeys = result.calls.filter((c) => c.action === "purge").map((c) => c.idempotencyKey)
      assert.strictEqual(new Set(purgeKeys).size, 2)
      const view = result.case!
      assert.strictEqual(view.case.status, "contained")
      assert.strictEqual(view.case.severity, "high")
      assert.deepStrictEqual(
        view.actions.map((a) => [a.idempotencyKey, a.approvalRef === view.approvals[0]!.id]),
        purgeKeys.map((k) => [k, true]),
      )
      assert.deepStrictEqual(view.approvals[0]!.approvers, ["alice"])
      assert.strictEqual(view.approvals[0]!.comment, "confirmed")
      // The trace: run → step → call, with the documented attributes.
      const call = result.spans.find((s) => s.name === "riposte.call mail.purge")!
      assert.strictEqual(call.attributes["riposte.kind"], "destructive")
      assert.strictEqual(call.parent, "verdict.malicious/purge[0]")
      const purgeActivity = result.spans.find((s) => s.name === "verdict.malicious/purge[0]")!
      assert.strictEqual(purgeActivity.parent, "riposte.step purge")
      assert.isTrue(
        result.spans.some((s) => s.name === "riposte.step urls" && s.parent === "riposte.run triage"),
      )
    }),
  )

  it.effect("deny: nothing destructive runs, the run ends denied with the reason recorded", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(triage, alert(["https://evil.test/a"]), {
        mocks,
        approvals: { "purge-ok": Test.deny("bob", "false positive") },
      })
      assert.strictEqual(result.status, "denied")
      assert.deepStrictEqual(result.path.slice(-1), ["purge-ok=denied"])
      assert.isFalse(result.calls.some((c) => c.action === "purge"))
      assert.strictEqual(result.case!.approvals[0]!.decision, "denied")
      assert.strictEqual(result.case!.approvals[0]!.comment, "false positive")
    }),
  )

  it.effect("timeout: the runner moves the test clock past the 4 h gate; the gate is never approved", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(triage, alert(["https://evil.test/a"]), {
        mocks,
        approvals: { "verdict.malicious/purge-ok": Test.timeout() },
        clock: { startAt: 1_000_000 },
      })
      assert.strictEqual(result.status, "timed_out")
      assert.isFalse(result.calls.some((c) => c.action === "purge"))
      const approval = result.case!.approvals[0]!
      assert.strictEqual(approval.decision, "timeout")
      assert.strictEqual(approval.requestedAt, 1_000_000)
      assert.strictEqual(approval.decidedAt, 1_000_000 + 4 * HOUR)
    }),
  )

  it.effect("a gate without a script leaves the run waiting at it", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(triage, alert(["https://evil.test/a"]), { mocks })
      assert.strictEqual(result.status, "waiting")
      assert.deepStrictEqual(
        result.pending.map((p) => [p.gate, p.decision]),
        [["verdict.malicious/purge-ok", "pending"]],
      )
      assert.isFalse(result.calls.some((c) => c.action === "purge"))
      assert.strictEqual(result.case!.case.status, "new")
    }),
  )

  it.effect("a scripted approver without the role is refused by the engine and reported", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(triage, alert(["https://evil.test/a"]), {
        mocks,
        approvals: { "purge-ok": Test.approve("eve", { roles: ["analyst"] }) },
      })
      assert.strictEqual(result.status, "waiting")
      assert.deepStrictEqual(
        result.approvalErrors.map((e) => e.reason),
        ["RoleNotAllowed"],
      )
      assert.isFalse(result.calls.some((c) => c.action === "purge"))
    }),
  )

  it.effect("an action without a mock fails the run with an UnmockedCall naming it and its step", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(triage, alert(["https://ok.test/a"]), {
        mocks: [
          Test.mock(Reputation, { url: () => ({ malicious: 0 }) }),
          Test.mock(Mail, { search: () => ({ mailboxes: [] }) }),
        ],
      })
      assert.strictEqual(result.status, "failed")
      assert.instanceOf(result.error, UnmockedCall)
      const error = result.error as UnmockedCall
      assert.deepStrictEqual(
        [error.connector, error.action, error.step],
        ["mail", "notify", "verdict.benign/notify"],
      )
      assert.match(error.message, /mail\.notify was called at step 'verdict\.benign\/notify' but has no mock/)
    }),
  )

  it.effect("a connector without any mock is reported the same way", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(triage, alert(["https://ok.test/a"]), { mocks: [] })
      assert.instanceOf(result.error, UnmockedCall)
      assert.strictEqual((result.error as UnmockedCall).action, "url")
    }),
  )

  it.effect("backoffs run on the test clock: a flaky call is retried without real waiting", () =>
    Effect.gen(function* () {
      let failures = 2
      const flaky = playbook("flaky", { version: "1" })
        .trigger(Schema.Struct({ url: Schema.String }))
        .enrich("rep", (ctx) => ({ r: Reputation.url({ url: ctx.trigger.url }) }), {
          retry: { times: 3, base: "10 seconds" },
        })
        .case({ status: "triaged" })
      const started = Date.now()
      const result = yield* Test.run(
        flaky,
        { url: "https://x.test/" },
        {
          mocks: [
            Test.mock(Reputation, {
              url: () =>
                failures-- > 0
                  ? Effect.fail(
                      new ConnectorError({
                        connector: "reputation",
                        action: "url",
                        reason: new Transport({ detail: "reset" }),
                      }),
                    )
                  : Effect.succeed({ malicious: 0 }),
            }),
          ],
        },
      )
      assert.strictEqual(result.status, "completed")
      // One activity, retried inside: the mock saw three calls.
      assert.strictEqual(failures, -1)
      const enrichedAt = result.case!.enrichments[0]!.at
      // Backoffs of 10 s then 20 s, each with jitter in [50%, 100%]: 15 to 30 virtual seconds.
      assert.isAtLeast(enrichedAt, 15_000)
      assert.isAtMost(enrichedAt, 30_000)
      assert.isBelow(Date.now() - started, 10_000)
    }),
  )

  it.effect("an invalid trigger input is a typed TriggerValidationError naming the field", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Test.run(triage, { ...alert([]), reporter: "not an address" }, { mocks }),
      )
      assert.instanceOf(error, TriggerValidationError)
      assert.strictEqual(error.path, "reporter")
    }),
  )

  it("runPromise: the same run as a Promise", async () => {
    const result = await Test.runPromise(triage, alert(["https://ok.test/a"]), { mocks })
    assert.strictEqual(result.status, "closed")
    assert.deepStrictEqual(result.path, ["urls", "verdict=benign", "notify", "close"])
    assert.strictEqual(result.case!.case.status, "closed")
  })

  it("mocks are typed from the connector definition", () => {
    Test.mock(Reputation, {
      // @ts-expect-error the output of reputation.url is { malicious: number }
      url: () => ({ malicious: "very" }),
    })
    Test.mock(Mail, {
      // @ts-expect-error an Effect of the wrong shape is rejected too
      search: () => Effect.succeed({ mailboxes: "alice" }),
    })
    // @ts-expect-error not an action of the connector (and rejected at runtime)
    assert.throws(() => Test.mock(Mail, { delete: () => ({}) }), /'delete' is not an action/)
    // The input is typed too.
    Test.mock(Mail, { purge: (input) => ({ purged: input.mailbox.length > 0 }) })
  })
})
