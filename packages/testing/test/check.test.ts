import { assert, describe, it } from "@effect/vitest"
import { Guardrails, playbook, policy } from "@riposte/core"
import { Effect, Layer } from "effect"
import { Test } from "../src/index.ts"
import { Mail, Reported, Reputation, triage } from "./fixtures.ts"

const connectors = [Reputation, Mail]
/** Generous: each check runs hundreds of engine runs, and CI machines may be busy. */
const TIMEOUT = 120_000

describe("Test.check", () => {
  it.effect(
    "a correct playbook holds every built-in invariant and a custom one over 300 generated runs",
    () =>
      Effect.gen(function* () {
        const report = yield* Test.check(triage, {
          runs: 300,
          seed: 7,
          connectors,
          invariants: {
            "benign runs never purge": (r) =>
              !r.path.includes("verdict=benign") || !r.calls.some((c) => c.action === "purge"),
          },
        })
        assert.isTrue(report.ok, report.message)
        assert.strictEqual(report.runs, 300)
      }),
    TIMEOUT,
  )

  it.effect(
    "BROKEN: a destructive action smuggled past the types (kind cast to 'write') is caught",
    () =>
      Effect.gen(function* () {
        const smuggled = playbook("smuggled", { version: "1" })
          .trigger(Reported)
          .enrich("copies", (ctx) => ({ search: Mail.search({ messageId: ctx.trigger.messageId }) }))
          // The cast hides the destructive purge from both the type checker and the engine's check.
          .act("purge", ((ctx: {
            copies: { search: { mailboxes: ReadonlyArray<string> } }
            trigger: { messageId: string }
          }) =>
            ctx.copies.search.mailboxes.map((mailbox) => ({
              ...Mail.purge({ messageId: ctx.trigger.messageId, mailbox }),
              kind: "write",
            }))) as never)
          .close("purged")
        const report = yield* Test.check(smuggled, { runs: 200, seed: 1, connectors })
        assert.isFalse(report.ok)
        const example = report.counterexample!
        assert.match(
          example.violations[0]!,
          /^approvedDestructive: destructive mail\.purge ran at step 'purge\[0\]' without an approval or a named policy on its path \(recorded as 'write'\)$/,
        )
        assert.isTrue(example.result.calls.some((c) => c.action === "purge" && c.outcome._tag === "Success"))
        assert.include(report.message, "approvedDestructive")
      }),
    TIMEOUT,
  )

  it.effect(
    "BROKEN: a branch that leaves its case open is caught, shrunk to the smallest alert",
    () =>
      Effect.gen(function* () {
        const leavesOpen = playbook("leaves-open", { version: "1" })
          .trigger(Reported)
          .enrich("urls", (ctx) => ctx.trigger.urls.map((url) => Reputation.url({ url })))
          .decide("verdict", (ctx) => (ctx.urls.some((r) => r.malicious > 0) ? "malicious" : "benign"))
          .branch("verdict", {
            malicious: (p) => p.case({ severity: "high", status: "triaged", assignee: "tier2" }),
            // Forgot to close or hand over the benign case.
            benign: (p) => p,
          })
        const report = yield* Test.check(leavesOpen, { runs: 200, seed: 2, connectors })
        assert.isFalse(report.ok)
        const example = report.counterexample!
        assert.deepStrictEqual(example.violations, [
          "settled: the run completed on path [urls → verdict=benign] but left its case open: 'new' and unassigned",
        ])
        // Shrinking removes every URL: no URL, no malicious verdict.
        assert.deepStrictEqual(example.scenario.input.urls, [])
      }),
    TIMEOUT,
  )

  it.effect(
    "a step that throws on some inputs is an unhandled failure, shrunk to the input that breaks it",
    () =>
      Effect.gen(function* () {
        const fragile = playbook("fragile", { version: "1" })
          .trigger(Reported)
          .step("first", (ctx) => ctx.trigger.urls[0]!.toUpperCase())
          .close("ok")
        const report = yield* Test.check(fragile, { runs: 100, seed: 3, connectors })
        assert.isFalse(report.ok)
        const example = report.counterexample!
        assert.match(
          example.violations[0]!,
          /^noFailure: the run failed: StepError: playbook 'fragile' step 'first'/,
        )
        assert.deepStrictEqual(example.scenario.input.urls, [])
      }),
    TIMEOUT,
  )

  it.effect(
    "custom invariants report their name; the counterexample is shrunk to the boundary",
    () =>
      Effect.gen(function* () {
        const report = yield* Test.check(triage, {
          runs: 200,
          seed: 4,
          connectors,
          invariants: {
            "one lookup per alert": (r) =>
              r.calls.filter((c) => c.action === "url").length <= 1 || "more than one URL looked up",
          },
        })
        assert.isFalse(report.ok)
        const example = report.counterexample!
        assert.deepStrictEqual(example.violations, ["one lookup per alert: more than one URL looked up"])
        assert.strictEqual(example.scenario.input.urls.length, 2)
      }),
    TIMEOUT,
  )

  describe("budgets", () => {
    const autoPurge = playbook("auto-purge", { version: "1" })
      .trigger(Reported)
      .enrich("copies", (ctx) => ({ search: Mail.search({ messageId: ctx.trigger.messageId }) }))
      .act(
        "purge",
        (ctx) =>
          ctx.copies.search.mailboxes.map((mailbox) =>
            Mail.purge({ messageId: ctx.trigger.messageId, mailbox }),
          ),
        { policy: policy("auto-purge-reported", "reported by a user and confirmed by the mail gateway") },
      )
      .close("purged")

    it.effect(
      "without guardrails, a policy-approved purge of many mailboxes breaks the budget",
      () =>
        Effect.gen(function* () {
          const report = yield* Test.check(autoPurge, {
            runs: 200,
            seed: 5,
            connectors,
            budgets: { mailbox: 2 },
          })
          assert.isFalse(report.ok)
          assert.match(
            report.counterexample!.violations[0]!,
            /^budgets: budget 'mailbox' exceeded: \d+ targets touched, limit 2$/,
          )
        }),
      TIMEOUT,
    )

    it.effect(
      "with a guardrails layer enforcing it, the budget holds and blocked calls never run",
      () =>
        Effect.gen(function* () {
          const twoPerStep = Layer.succeed(Guardrails.Guardrails)({
            dryRun: false,
            check: (calls) =>
              Effect.succeed(
                calls.map((_, i) =>
                  i < 2
                    ? ({ _tag: "Allow" } as const)
                    : ({ _tag: "Block", reason: "over the mailbox budget" } as const),
                ),
              ),
          })
          const report = yield* Test.check(autoPurge, {
            runs: 200,
            seed: 5,
            connectors,
            budgets: { mailbox: 2 },
            layers: [twoPerStep],
            invariants: {
              "over-budget calls are blocked, not run": (r) => {
                const actions = r.case?.actions ?? []
                return (
                  actions.filter((a) => a.status === "blocked").length === Math.max(0, actions.length - 2)
                )
              },
            },
          })
          assert.isTrue(report.ok, report.message)
        }),
      TIMEOUT,
    )
  })

  it.effect(
    "the same seed gives the same counterexample",
    () =>
      Effect.gen(function* () {
        const options = {
          runs: 50,
          seed: 11,
          connectors,
          invariants: { "never malicious": (r: Test.TestResult) => !r.path.includes("verdict=malicious") },
        }
        const a = yield* Test.check(triage, options)
        const b = yield* Test.check(triage, options)
        assert.isFalse(a.ok)
        assert.deepStrictEqual(a.counterexample!.scenario, b.counterexample!.scenario)
        assert.strictEqual(a.replay, b.replay)
      }),
    TIMEOUT,
  )
})
