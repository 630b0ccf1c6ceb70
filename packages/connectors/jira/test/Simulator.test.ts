import { assert, describe, it } from "@effect/vitest"
import { type Connector, ConnectorError } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { Jira, JiraHttp } from "../src/index.ts"

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "phish",
  step,
  attempt: 1,
})

const implementation = (sim: Simulator.Handle, extra: Partial<JiraHttp.Config> = {}) =>
  Jira.service.pipe(
    Effect.provide(
      JiraHttp.layer({
        baseUrl: sim.urlOf("jira"),
        email: "bot@corp.example",
        apiToken: Redacted.make("jira-token"),
        ...extra,
      }),
    ),
  )

const run = (impl: Connector.ImplementationShape, action: string, input: unknown, step = action) =>
  (impl.handlers[action] ?? (() => Effect.die(`no ${action}`)))(input, ctx(step))

type Created = typeof Jira.actions.createIssue.output.Type
type Issue = typeof Jira.actions.getIssue.output.Type
type Comment = typeof Jira.actions.addComment.output.Type
type Transitioned = typeof Jira.actions.transitionIssue.output.Type

const issueInput = { projectKey: "SEC", issueType: "Task", summary: "Phish\nfrom eve", labels: ["phishing"] }

describe("Jira against the simulator", () => {
  it.live("create, comment, transition and read an issue", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["jira"] })
      const jira = yield* implementation(sim)
      const created = (yield* run(jira, "createIssue", issueInput, "ticket")) as Created
      yield* run(jira, "addComment", { issue: created.key, body: "Contained *wks-42*" }, "note")
      const moved = (yield* run(
        jira,
        "transitionIssue",
        { issue: created.key, transitionId: "31" },
        "close",
      )) as Transitioned
      assert.deepStrictEqual(moved, { issue: created.key, transitionId: "31", changed: true, status: "Done" })
      const issue = (yield* run(jira, "getIssue", { issue: created.key })) as Issue
      assert.strictEqual(issue.fields.summary, "Phish from eve", "line breaks flattened")
      assert.strictEqual(issue.fields.status?.name, "Done")
      assert.deepStrictEqual(issue.fields.labels, ["phishing", "riposte:run-1/ticket"])
      assert.deepStrictEqual(sim.jira.issue(created.key), { status: "Done", comments: 1 })
    }),
  )

  it.live("replays with the same key create no second issue, comment or transition", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["jira"] })
      const jira = yield* implementation(sim)
      const a = (yield* run(jira, "createIssue", issueInput, "ticket")) as Created
      const b = (yield* run(jira, "createIssue", issueInput, "ticket")) as Created
      assert.strictEqual(b.key, a.key)
      const c1 = (yield* run(jira, "addComment", { issue: a.key, body: "note" }, "note")) as Comment
      const c2 = (yield* run(jira, "addComment", { issue: a.key, body: "note" }, "note")) as Comment
      assert.strictEqual(c2.id, c1.id)
      yield* run(jira, "addComment", { issue: a.key, body: "note" }, "note-2")
      yield* run(jira, "transitionIssue", { issue: a.key, transitionId: "31" }, "close")
      const again = (yield* run(
        jira,
        "transitionIssue",
        { issue: a.key, transitionId: "31" },
        "close",
      )) as Transitioned
      assert.deepStrictEqual(again, { issue: a.key, transitionId: "31", changed: false, status: "Done" })
      assert.deepStrictEqual(sim.jira.issue(a.key), { status: "Done", comments: 2 })
      const calls = sim.calls()
      assert.strictEqual(calls["POST /jira/rest/api/3/issue"], 1)
      assert.strictEqual(calls["POST /jira/rest/api/3/issue/:issue/comment"], 2)
      assert.strictEqual(calls["POST /jira/rest/api/3/issue/:issue/transitions"], 1)
      assert.deepStrictEqual(sim.duplicateKeys(), {}, "dedupe is ours, not an Idempotency-Key replay")
    }),
  )

  it.live("without reconciliation a replay duplicates the issue and the transition fails", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["jira"] })
      const jira = yield* implementation(sim, { reconcile: false })
      const a = (yield* run(jira, "createIssue", issueInput, "ticket")) as Created
      const b = (yield* run(jira, "createIssue", issueInput, "ticket")) as Created
      assert.notStrictEqual(b.key, a.key)
      yield* run(jira, "transitionIssue", { issue: a.key, transitionId: "31" }, "close")
      const error = yield* Effect.flip(
        run(jira, "transitionIssue", { issue: a.key, transitionId: "31" }, "close"),
      )
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }),
  )

  it.live("attacker text reaches Jira only as ADF text nodes", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["jira"] })
      const jira = yield* implementation(sim)
      const created = (yield* run(jira, "createIssue", issueInput, "ticket")) as Created
      const hostile = "[login|https://evil.example] {code}x{code} [~accountid:123]"
      yield* run(jira, "addComment", { issue: created.key, body: hostile }, "n")
      // What Jira stored: exactly one text node holding the raw string, no marks, no links.
      const page = yield* Effect.promise(() =>
        fetch(`${sim.urlOf("jira")}/rest/api/3/issue/${created.key}/comment`).then((r) => r.json()),
      )
      assert.deepStrictEqual((page as { comments: Array<{ body: unknown }> }).comments[0]?.body, {
        type: "doc",
        version: 1,
        content: [{ type: "paragraph", content: [{ type: "text", text: hostile }] }],
      })
    }),
  )

  it.live("unknown issues are NotFound; junk never reaches the vendor", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["jira"] })
      const jira = yield* implementation(sim)
      const missing = yield* Effect.flip(run(jira, "getIssue", { issue: "SEC-999" }))
      assert.strictEqual(missing.reason._tag, "NotFound")
      const before = sim.calls()
      for (const [action, input] of [
        ["createIssue", { ...issueInput, projectKey: "sec" }],
        ["createIssue", { ...issueInput, summary: "" }],
        ["createIssue", { ...issueInput, labels: ["two words"] }],
        ["addComment", { issue: "../../myself", body: "x" }],
        ["transitionIssue", { issue: "SEC-1", transitionId: "31 OR 1=1" }],
        ["getIssue", { issue: "SEC-1?expand=all" }],
      ] as const) {
        const error = yield* Effect.flip(run(jira, action, input))
        assert.instanceOf(error, ConnectorError)
        assert.strictEqual(error.reason._tag, "InvalidInput", JSON.stringify(input))
      }
      assert.deepStrictEqual(sim.calls(), before)
    }),
  )

  it("keyLabel and jqlString keep the JQL literal closed", () => {
    assert.strictEqual(JiraHttp.keyLabel("run 1/step"), "riposte:run_1/step")
    assert.strictEqual(JiraHttp.jqlString('a" OR project = X'), '"a\\" OR project = X"')
    assert.strictEqual(JiraHttp.jqlString("a\\"), '"a\\\\"')
  })
})
