import { assert, describe, it } from "@effect/vitest"
import { type Connector, ConnectorError } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { ApprovalMessage, Slack, SlackHttp } from "../src/index.ts"

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "phish",
  step,
  attempt: 1,
})

const implementation = (sim: Simulator.Handle) =>
  Slack.service.pipe(
    Effect.provide(
      SlackHttp.layer({
        botToken: Redacted.make("xoxb-test"),
        baseUrl: `${sim.urlOf("slack")}/api`,
        rateLimit: false,
      }),
    ),
  )

const run = (impl: Connector.ImplementationShape, action: string, input: unknown, step = action) =>
  (impl.handlers[action] ?? (() => Effect.die(`no ${action}`)))(input, ctx(step))

type Posted = typeof Slack.actions.postMessage.output.Type

const token = "apr_Zk3v9QwXyT2bLmN8pR4sUe7H"
const hostile = {
  channel: "C0123456789",
  approvalToken: token,
  action: "Quarantine message in 42 mailboxes",
  summary: "<!channel> *URGENT* approve <https://evil.example/ok|this safe link> ~now~ `x`",
  subject: "Invoice <@U024BE7LH> & payment_due",
  sender: "billing@evil.example",
  urls: ["https://evil.example/login?next=<script>", "http://198.51.100.7/a_b"],
  requestedBy: "playbook phishing-triage",
}

/** Every text string in a Block Kit tree. */
const strings = (node: unknown, out: Array<string> = []): Array<string> => {
  if (typeof node === "string") out.push(node)
  else if (Array.isArray(node)) for (const n of node) strings(n, out)
  else if (typeof node === "object" && node !== null) for (const v of Object.values(node)) strings(v, out)
  return out
}

describe("Slack against the simulator", () => {
  it.live("postMessage escapes plain text and carries the key in metadata", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["slack"] })
      const slack = yield* implementation(sim)
      const posted = (yield* run(
        slack,
        "postMessage",
        { channel: "C0123456789", text: "<!here> done *ok*" },
        "note",
      )) as Posted
      assert.strictEqual(posted.message?.text, "&lt;!here&gt; done \u2217ok\u2217")
      assert.deepStrictEqual(posted.message?.metadata, {
        event_type: SlackHttp.metadataEventType,
        event_payload: { idempotency_key: "run-1/note" },
      })
      const raw = (yield* run(slack, "postMessage", {
        channel: "C0123456789",
        text: "*bold* by design",
        format: "mrkdwn",
      })) as Posted
      assert.strictEqual(raw.message?.text, "*bold* by design")
    }),
  )

  it.live("approvalMessage: Approve/Deny carry the opaque token; attacker strings are inert", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["slack"] })
      const slack = yield* implementation(sim)
      const posted = (yield* run(slack, "approvalMessage", hostile, "ask")) as Posted
      const blocks = (posted.message?.blocks ?? []) as ReadonlyArray<Record<string, unknown>>
      const actions = blocks.find((b) => b.type === "actions") as { elements: Array<Record<string, unknown>> }
      assert.deepStrictEqual(
        actions.elements.map((e) => [e.action_id, e.value, e.style]),
        [
          [ApprovalMessage.approveActionId, token, "primary"],
          [ApprovalMessage.denyActionId, token, "danger"],
        ],
      )
      const texts = strings(blocks).join("\n")
      for (const bad of [
        "<!channel>",
        "<@U024BE7LH>",
        "<https://",
        "*URGENT*",
        "~now~",
        "`x`",
        "<script>",
        "https://evil",
        "@evil.example",
        "payment_due",
      ]) {
        assert.notInclude(texts, bad)
      }
      assert.include(texts, "&lt;!channel&gt;")
      assert.include(texts, "hxxps://evil[.]example/login?next=&lt;script&gt;")
      assert.include(texts, "billing[@]evil[.]example")
      assert.strictEqual(posted.message?.text, "Approval needed: Quarantine message in 42 mailboxes")
      assert.notInclude(JSON.stringify(posted.message?.metadata), token, "the token is only in the buttons")
    }),
  )

  it.live("a replay posts a second message with the same key in metadata (accepted, documented)", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["slack"] })
      const slack = yield* implementation(sim)
      const a = (yield* run(slack, "approvalMessage", hostile, "ask")) as Posted
      const b = (yield* run(slack, "approvalMessage", hostile, "ask")) as Posted
      assert.notStrictEqual(a.ts, b.ts)
      assert.deepStrictEqual(a.message?.metadata, b.message?.metadata)
      assert.strictEqual(sim.calls()["POST /slack/api/chat.postMessage"], 2)
    }),
  )

  it.live("junk never reaches Slack: bad channel, guessable token, javascript: URL", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["slack"] })
      const slack = yield* implementation(sim)
      for (const [action, input] of [
        ["postMessage", { channel: "#general", text: "x" }],
        ["postMessage", { channel: "C0123456789", text: "" }],
        ["approvalMessage", { ...hostile, approvalToken: "short" }],
        ["approvalMessage", { ...hostile, approvalToken: "has spaces in it and is long enough" }],
        ["approvalMessage", { ...hostile, urls: ["javascript:alert(1)"] }],
      ] as const) {
        const error = yield* Effect.flip(run(slack, action, input))
        assert.instanceOf(error, ConnectorError)
        assert.strictEqual(error.reason._tag, "InvalidInput", JSON.stringify(input))
      }
      assert.deepStrictEqual(sim.calls(), {})
    }),
  )

  it("ok:false codes map to reasons", () => {
    assert.strictEqual(SlackHttp.errorReason("invalid_auth")._tag, "Unauthorized")
    assert.strictEqual(SlackHttp.errorReason("not_in_channel")._tag, "Forbidden")
    assert.strictEqual(SlackHttp.errorReason("channel_not_found")._tag, "NotFound")
    assert.strictEqual(SlackHttp.errorReason("ratelimited")._tag, "RateLimited")
    assert.strictEqual(SlackHttp.errorReason("internal_error")._tag, "ServerError")
    const other = SlackHttp.errorReason("invalid_blocks<script>")
    assert.deepStrictEqual(other, SlackHttp.errorReason("invalid_blocksscript"))
    assert.strictEqual(other._tag, "InvalidResponse")
  })
})
