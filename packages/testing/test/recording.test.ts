import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Connector, playbook } from "@riposte/core"
import { Effect, Layer, Redacted, Schema } from "effect"
import { FixtureError, ReplayMismatch, Test } from "../src/index.ts"
import { Mail, Reported } from "./fixtures.ts"

const API_KEY = "sk-live-0123456789"
const TOKEN = "tok-secret-abcdef"

/** A connector whose input carries a Redacted API key and whose output echoes a token. */
const Intel = Connector.make("intel", {
  version: "1",
  actions: {
    url: Connector.action({
      input: Schema.Struct({ url: Schema.String, apiKey: Schema.Redacted(Schema.String) }),
      output: Schema.Struct({ malicious: Schema.Number, sessionToken: Schema.String }),
      kind: "read",
    }),
  },
})

const build = (purge: "all" | "first") =>
  playbook("recorded", { version: "1.0.0" })
    .trigger(Reported)
    .enrich("urls", (ctx) =>
      ctx.trigger.urls.map((url) => Intel.url({ url, apiKey: Redacted.make(API_KEY) })),
    )
    .decide("verdict", (ctx) => (ctx.urls.some((r) => r.malicious > 0) ? "malicious" : "benign"))
    .branch("verdict", {
      malicious: (p) =>
        p
          .enrich("copies", (ctx) => ({ search: Mail.search({ messageId: ctx.trigger.messageId }) }))
          .approve("purge-ok", {
            roles: ["soc-lead"],
            timeout: "1 hour",
            onTimeout: "deny",
            summary: () => "purge",
          })
          .act("purge", (ctx) =>
            (purge === "all" ? ctx.copies.search.mailboxes : ctx.copies.search.mailboxes.slice(0, 1)).map(
              (mailbox) => Mail.purge({ messageId: ctx.trigger.messageId, mailbox }),
            ),
          )
          .case({ status: "contained" }),
      benign: (p) => p.close("benign"),
    })

const recorded = build("all")
const changed = build("first")

/** The "real" connectors of the recording (a simulator would sit here). */
let vendorCalls = 0
const live = Layer.mergeAll(
  Connector.layer(Intel, {
    url: ({ url }) =>
      Effect.sync(() => {
        vendorCalls++
        return { malicious: url.includes("evil") ? 3 : 0, sessionToken: TOKEN }
      }),
  }),
  Connector.layer(Mail, {
    search: () => Effect.succeed({ mailboxes: ["alice@corp.test", "bob@corp.test"] }),
    purge: () =>
      Effect.sync(() => {
        vendorCalls++
        return { purged: true }
      }),
    notify: () => Effect.succeed({ sent: true }),
  }),
)

const input = {
  messageId: "<abc@evil.test>",
  reporter: "carol@corp.test",
  urls: ["https://evil.test/x", "https://ok.test/y"],
}
const approvals = { "purge-ok": Test.approve("alice") }
const redact = [
  { path: "trigger.reporter", with: "reporter@corp.test" },
  "mail.search:output.mailboxes.*",
  "mail.purge:input.mailbox",
]

describe("record and replay", () => {
  const dir = mkdtempSync(join(tmpdir(), "riposte-fixture-"))
  const file = join(dir, "nested", "triage.json")

  it.effect("record writes every call in order with secrets and configured fields redacted", () =>
    Effect.gen(function* () {
      const { result, fixture } = yield* Test.record(recorded, input, {
        file,
        connectors: live,
        approvals,
        redact,
      })
      assert.strictEqual(result.status, "completed")
      const text = readFileSync(file, "utf8")
      assert.deepStrictEqual(JSON.parse(text), JSON.parse(JSON.stringify(fixture)))
      assert.deepStrictEqual(
        fixture.calls.map((c) => `${c.step} ${c.connector}.${c.action}`),
        [
          "urls[0] intel.url",
          "urls[1] intel.url",
          "verdict.malicious/copies[search] mail.search",
          "verdict.malicious/purge[0] mail.purge",
          "verdict.malicious/purge[1] mail.purge",
        ],
      )
      assert.deepStrictEqual(fixture.calls[0]!.input, { url: "https://evil.test/x", apiKey: "<redacted>" })
      assert.deepStrictEqual(fixture.calls[0]!.output, { malicious: 3, sessionToken: "<redacted>" })
      assert.deepStrictEqual(fixture.calls[2]!.output, { mailboxes: ["<redacted>", "<redacted>"] })
      assert.deepStrictEqual(fixture.calls[3]!.input, { messageId: "<abc@evil.test>", mailbox: "<redacted>" })
      assert.deepStrictEqual(fixture.calls[3]!.output, { purged: true })
      assert.strictEqual((fixture.input as { reporter: string }).reporter, "reporter@corp.test")
      assert.deepStrictEqual(fixture.result.path, [
        "urls",
        "verdict=malicious",
        "copies",
        "purge-ok=approved",
        "purge",
      ])
      for (const secret of [API_KEY, TOKEN, "carol@corp.test", "alice@corp.test"])
        assert.notInclude(text, secret, `the fixture leaks ${secret}`)
    }),
  )

  it.effect("replay reproduces the run offline: same path, same calls, no vendor reached", () =>
    Effect.gen(function* () {
      const before = vendorCalls
      const result = yield* Test.replay(recorded, file)
      assert.strictEqual(result.status, "completed")
      assert.deepStrictEqual(result.path, [
        "urls",
        "verdict=malicious",
        "copies",
        "purge-ok=approved",
        "purge",
      ])
      assert.deepStrictEqual(
        result.calls.map((c) => [c.step, c.outcome._tag]),
        [
          ["urls[0]", "Success"],
          ["urls[1]", "Success"],
          ["verdict.malicious/copies[search]", "Success"],
          ["verdict.malicious/purge[0]", "Success"],
          ["verdict.malicious/purge[1]", "Success"],
        ],
      )
      assert.strictEqual(vendorCalls, before)
    }),
  )

  it.effect("replay of a changed playbook fails with a diff naming the changed step", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Test.replay(changed, file))
      assert.instanceOf(error, ReplayMismatch)
      const mismatch = error as ReplayMismatch
      assert.deepStrictEqual(mismatch.steps, ["verdict.malicious/purge[1]"])
      assert.include(
        mismatch.diff,
        '- call verdict.malicious/purge[1] mail.purge {"mailbox":"<redacted>","messageId":"<abc@evil.test>"}',
      )
      assert.include(mismatch.diff, "  call verdict.malicious/purge[0] mail.purge")
      assert.match(mismatch.message, /diverged at 'verdict\.malicious\/purge\[1\]'/)
    }),
  )

  it.effect("replay with another decision diverges on the path", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Test.replay(recorded, file, { approvals: { "purge-ok": Test.deny("bob") } }),
      )
      assert.instanceOf(error, ReplayMismatch)
      const mismatch = error as ReplayMismatch
      assert.include(mismatch.diff, "- path purge-ok=approved")
      assert.include(mismatch.diff, "+ path purge-ok=denied")
      assert.include(mismatch.diff, "+ status denied")
    }),
  )

  it.effect("a fixture that is not JSON or not a fixture is a FixtureError", () =>
    Effect.gen(function* () {
      const junk = join(dir, "junk.json")
      writeFileSync(junk, "{ not json")
      const e1 = yield* Effect.flip(Test.replay(recorded, junk))
      assert.instanceOf(e1, FixtureError)
      assert.match((e1 as FixtureError).detail, /invalid JSON/)
      writeFileSync(junk, JSON.stringify({ riposte: "fixture/1", calls: "nope" }))
      const e2 = yield* Effect.flip(Test.replay(recorded, junk))
      assert.match((e2 as FixtureError).detail, /not a fixture/)
      const e3 = yield* Effect.flip(Test.replay(recorded, join(dir, "missing.json")))
      assert.instanceOf(e3, FixtureError)
    }),
  )
})
