/**
 * The phishing playbook tested with @riposte/testing: typed mocks and scripted approvals
 * (`Test.run`), a run recorded against the simulators and replayed offline (`Test.replay`), and
 * invariants over generated alerts (`Test.check`). See docs/testing.md.
 *
 * Re-record the fixture (simulators, real HTTP connectors):
 *   RIPOSTE_RECORD=1 npx vitest run --project examples phishing/test/kit.test.ts
 */
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Blocklist, BlocklistHttp } from "@riposte/connector-blocklist"
import { GraphMail, GraphMailHttp } from "@riposte/connector-microsoft-graph-mail"
import { VirusTotal, VirusTotalHttp } from "@riposte/connector-virustotal"
import { Email } from "@riposte/email"
import { Simulator } from "@riposte/simulators"
import { Test } from "@riposte/testing"
import { Arbitrary, Effect, Layer, Redacted, Schema } from "effect"
import { phishing, type Report } from "../src/playbook.ts"
import { report } from "./emails.ts"

// --- typed mocks -------------------------------------------------------------------------

const stats = (malicious: number) => ({ harmless: 70 - malicious, malicious, suspicious: 0, undetected: 10 })
const badHosts = ["mylinx.us"]
const bad = (value: string) => badHosts.some((h) => value.includes(h))

const virusTotal = Test.mock(VirusTotal, {
  urlReport: ({ url }) => ({
    data: { id: url, type: "url", attributes: { url, last_analysis_stats: stats(bad(url) ? 9 : 0) } },
  }),
  domainReport: ({ domain }) => ({
    data: {
      id: domain,
      type: "domain",
      attributes: { last_analysis_stats: stats(bad(domain) ? 9 : 0), creation_date: 1_485_015_979 },
    },
  }),
  fileReport: ({ hash }) => ({
    data: { id: hash, type: "file", attributes: { last_analysis_stats: stats(0) } },
  }),
})

const graphMail = Test.mock(GraphMail, {
  searchMessages: (input) => ({
    messages: (input.mailboxes ?? ["alice@corp.example", "bob@corp.example", "carol@corp.example"]).map(
      (mailbox, i) => ({ mailbox, id: `msg-${i}`, internetMessageId: input.internetMessageId }),
    ),
  }),
  quarantineMessage: (input) => ({ mailbox: input.mailbox, id: `q-${input.id}`, previousId: input.id }),
  sendMail: () => ({ sent: true }),
})

const blocklist = Test.mock(Blocklist, {
  add: (input) => ({ value: input.value, expiresAt: null, created: true }),
})

const mocks = [virusTotal, graphMail, blocklist]

it("a mock returning the wrong shape does not compile", () => {
  Test.mock(VirusTotal, {
    // @ts-expect-error last_analysis_stats.malicious is a number
    urlReport: ({ url }) => ({
      data: {
        id: url,
        type: "url",
        attributes: { url, last_analysis_stats: { ...stats(0), malicious: "lots" } },
      },
    }),
  })
})
const approve = { "purge-approval": Test.approve("alice", { roles: ["soc-lead"], comment: "QR phish" }) }

const maliciousPath = [
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
]

describe("phishing with @riposte/testing", () => {
  it.effect("approve: every copy quarantined and every malicious indicator blocked, after the approval", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(phishing, report("sample-2151.eml"), { mocks, approvals: approve })
      assert.strictEqual(result.status, "completed")
      assert.deepStrictEqual(result.path, maliciousPath)
      const quarantines = result.calls.filter((c) => c.action === "quarantineMessage")
      assert.deepStrictEqual(
        quarantines.map((c) => [c.kind, (c.input as { mailbox: string }).mailbox]),
        [
          ["destructive", "alice@corp.example"],
          ["destructive", "bob@corp.example"],
          ["destructive", "carol@corp.example"],
        ],
      )
      const approval = result.case!.approvals[0]!
      assert.deepStrictEqual([approval.decision, approval.approvers], ["approved", ["alice"]])
      assert.isTrue(
        result
          .case!.actions.filter((a) => a.kind === "destructive")
          .every((a) => a.approvalRef === approval.id),
      )
      assert.strictEqual(result.case!.case.status, "contained")
    }),
  )

  it.effect("deny: nothing is quarantined or blocked", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(phishing, report("sample-2151.eml"), {
        mocks,
        approvals: { "purge-approval": Test.deny("bob", "false positive") },
      })
      assert.strictEqual(result.status, "denied")
      assert.isFalse(result.calls.some((c) => c.kind === "destructive" || c.kind === "write"))
    }),
  )

  it.effect("timeout: the gate escalates to a SOC manager after 4 h, then times out; nothing runs", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(phishing, report("sample-2151.eml"), {
        mocks,
        approvals: { "purge-approval": Test.timeout() },
      })
      assert.strictEqual(result.status, "timed_out")
      const approval = result.case!.approvals[0]!
      assert.deepStrictEqual(approval.roles, ["soc-manager"])
      assert.strictEqual(approval.decidedAt! - approval.requestedAt, 8 * 60 * 60 * 1000)
      assert.isFalse(result.calls.some((c) => c.action === "quarantineMessage"))
    }),
  )

  it.effect("benign: the reporter is told and the case closed", () =>
    Effect.gen(function* () {
      const result = yield* Test.run(phishing, report("internal-lunch.eml"), { mocks })
      assert.strictEqual(result.status, "closed")
      assert.deepStrictEqual(
        result.calls.filter((c) => c.kind !== "read").map((c) => `${c.connector}.${c.action}`),
        ["microsoft-graph-mail.sendMail"],
      )
    }),
  )
})

// --- record (simulators) and replay (offline, in CI) --------------------------------------

const fixture = fileURLToPath(new URL("./fixtures/phishing-malicious.json", import.meta.url))

describe("phishing record and replay", () => {
  it.live.skipIf(process.env.RIPOSTE_RECORD !== "1")("records a run against the simulators", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ latency: { minMillis: 0, maxMillis: 2 } })
      const sample = report("sample-2151.eml")
      const analysis = yield* Email.analyze(Buffer.from(sample.emlBase64, "base64"))
      const mailboxes = ["alice@corp.example", "bob@corp.example", "soc@corp.example"]
      for (const mailbox of mailboxes.slice(0, 2))
        sim.mail.seed(mailbox, [{ internetMessageId: analysis.messageId!, subject: analysis.subject ?? "" }])
      sim.mail.seed("soc@corp.example", [])
      const connectors = Layer.mergeAll(
        VirusTotalHttp.layer({
          apiKey: Redacted.make("record-virustotal-key"),
          baseUrl: `${sim.urlOf("virustotal")}/api/v3`,
          rateLimit: false,
        }),
        GraphMailHttp.layer({
          accessToken: Redacted.make("record-graph-token"),
          baseUrl: sim.urlOf("graph"),
          mailboxes,
        }),
        BlocklistHttp.layer({ baseUrl: sim.urlOf("edl"), token: Redacted.make("record-edl-token") }),
      )
      const { result } = yield* Test.record(phishing, sample, {
        file: fixture,
        connectors,
        approvals: approve,
        redact: [{ path: "trigger.reporter", with: "reporter@corp.example" }],
      })
      assert.strictEqual(result.status, "completed", String(result.error))
    }).pipe(Effect.scoped),
  )

  it.effect("replays the recorded run offline: same path, same calls", () =>
    Effect.gen(function* () {
      const result = yield* Test.replay(phishing, fixture)
      assert.strictEqual(result.status, "completed")
      assert.deepStrictEqual(result.path, maliciousPath)
      assert.isTrue(result.calls.some((c) => c.action === "quarantineMessage"))
    }),
  )
})

// --- property-based: generated alerts ------------------------------------------------------

/** Realistic reported mails: generated sender, subject, message id and links. */
const Parts = Schema.Struct({
  local: Schema.String.check(Schema.isPattern(/^[a-z]{1,10}$/)),
  domain: Schema.Literals(["mylinx.us", "gmail.com", "corp.example", "invoice-pay.test", "students.unam.na"]),
  subject: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9 ]{0,30}$/)),
  id: Schema.String.check(Schema.isPattern(/^[a-z0-9]{4,12}$/)),
  links: Schema.Array(
    Schema.Struct({
      host: Schema.Literals(["mylinx.us", "login-portal.test", "i.imgur.com", "corp.example", "bit.ly"]),
      path: Schema.String.check(Schema.isPattern(/^[a-z0-9]{0,8}$/)),
    }),
  ).check(Schema.isMaxLength(4)),
})

const eml = (p: typeof Parts.Type) =>
  [
    `From: "${p.local}" <${p.local}@${p.domain}>`,
    "To: alice@corp.example",
    `Subject: ${p.subject}`,
    `Message-ID: <${p.id}@${p.domain}>`,
    "Date: Mon, 23 Nov 2026 08:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Please review:",
    ...p.links.map((l) => `https://${l.host}/${l.path}`),
    "",
  ].join("\r\n")

const alerts = Arbitrary.schema(Parts).pipe(
  Arbitrary.map(
    (p): Report => ({
      emlBase64: Buffer.from(eml(p)).toString("base64"),
      reporter: "reporter@corp.example",
      reportedAt: "2026-11-23T09:00:00.000Z",
    }),
  ),
)

/**
 * Each run parses its email once in a worker thread (~0.1-0.3 s of CPU; the parse step is
 * journaled, so a gated run does not parse again when it resumes): 1,000 alerts take about
 * 70 s here. `RIPOSTE_CHECK_RUNS` overrides the count.
 */
const runs = Number(process.env.RIPOSTE_CHECK_RUNS ?? 1000)

describe("phishing invariants over generated alerts", () => {
  it.live(
    `${runs} generated alerts: approvals before destructive actions, settled cases, no failure`,
    () =>
      Effect.gen(function* () {
        const report = yield* Test.check(phishing, {
          runs,
          seed: 2026,
          inputs: alerts,
          // VirusTotal answers are generated from its output schemas; mail and blocklist are mocked.
          connectors: [VirusTotal],
          mocks: [graphMail, blocklist],
          concurrency: 8,
          invariants: {
            "a quarantine only after a granted approval": (r) =>
              !r.calls.some((c) => c.action === "quarantineMessage") ||
              r.path.includes("purge-approval=approved"),
            "benign alerts are closed": (r) => !r.path.includes("verdict=benign") || r.status === "closed",
          },
        })
        assert.isTrue(report.ok, report.message)
        assert.strictEqual(report.runs, runs)
      }),
    600_000,
  )
})
