/**
 * Phishing response: the flagship playbook.
 *
 * A reported email goes in. Its indicators are extracted (bounded parser in a worker), enriched
 * in parallel and judged: the worst verdict across indicators wins, with the reasons kept in the
 * case. Malicious → find every copy in every mailbox, ask a SOC lead, quarantine all copies,
 * block sender, domains and URLs, contain the case. Inconclusive → tier 2. Benign → tell the
 * reporter and close.
 */
import { createHash } from "node:crypto"
import { Blocklist } from "@riposte/connector-blocklist"
import { GraphMail } from "@riposte/connector-microsoft-graph-mail"
import { VirusTotal } from "@riposte/connector-virustotal"
import { playbook } from "@riposte/core"
import { Analysis, Email } from "@riposte/email"
import { Effect, Schema } from "effect"
import { judge, type Lookup } from "./judge.ts"

/** The report: the raw message (base64 of the .eml bytes), who reported it and when. */
export const Report = Schema.Struct({
  emlBase64: Schema.String.check(Schema.isMaxLength(40 * 1024 * 1024)),
  reporter: Schema.String.check(Schema.isPattern(/^[^@\s]+@[^@\s]+$/)),
  /** ISO time of the report: the reference "now" of the verdict (domain age). */
  reportedAt: Schema.String,
  /** Mailboxes to sweep for copies (default: every mailbox the connector sees). */
  mailboxes: Schema.optional(Schema.Array(Schema.String)),
})
export type Report = typeof Report.Type

/** The journaled result of the parse step. */
export const EmailStep = Schema.Union([
  Schema.Struct({ ok: Schema.Literal(true), analysis: Analysis.Analysis }),
  Schema.Struct({ ok: Schema.Literal(false), reason: Schema.String }),
])

/** Where the SOC sends notifications from. */
export const socMailbox = "soc@corp.example"

const httpUrl = /^https?:\/\/[^\s]{1,2040}$/i
const domainName = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i

/**
 * Domains never blocked whole, whatever their reputation: shared mail providers, URL
 * shorteners and our own domain. Their malicious URLs and senders are blocked instead.
 */
export const neverBlockDomains: ReadonlySet<string> = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "yahoo.com",
  "icloud.com",
  "proton.me",
  "is.gd",
  "bit.ly",
  "tinyurl.com",
  "t.co",
  "shorturl.at",
  "corp.example",
])

/** At most this many lookups per kind: a message with 10,000 links must not cost 10,000 calls. */
export const limits = { urls: 20, domains: 10, files: 10 } as const

/** The run's identity: the same reported message (byte for byte) joins the same run. */
const emlHash = (report: Report) =>
  `eml:${createHash("sha256").update(Buffer.from(report.emlBase64, "base64")).digest("hex")}`

export const phishing = playbook("phishing", {
  version: "1.0.0",
  description: "Reported phishing email: analyse, enrich, judge, purge every copy, block, case.",
  owner: "soc",
  attack: ["T1566", "T1566.001", "T1566.002"],
})
  .trigger(Report, {
    idempotencyKey: emlHash,
    caseTitle: (r) => `Reported phishing from ${r.reporter}`,
  })
  .step(
    "email",
    (ctx) =>
      Email.analyze(Buffer.from(ctx.trigger.emlBase64, "base64")).pipe(
        Effect.map((analysis) => ({ ok: true as const, analysis })),
        // Unparseable or over a limit: the run continues to a tier-2 case with the reason.
        Effect.catchTag("EmailError", (error) =>
          Effect.succeed({ ok: false as const, reason: error.reason._tag as string }),
        ),
      ),
    // Parsed once in a worker and journaled: a resumed run (after an approval, after a
    // restart) reads the analysis back instead of parsing the message again.
    { journal: EmailStep },
  )
  .step("indicators", (ctx) => {
    if (!ctx.email.ok)
      return { urls: [], domains: [], files: [], sender: null, messageId: null, subject: null }
    const a = ctx.email.analysis
    const of = (type: string) => [...new Set(a.indicators.filter((i) => i.type === type).map((i) => i.value))]
    const sender = a.from?.address ?? null
    const domains = [...new Set([...(a.from ? [a.from.domain] : []), ...of("domain")])]
    return {
      urls: of("url")
        .filter((u) => httpUrl.test(u))
        .slice(0, limits.urls),
      domains: domains.filter((d) => domainName.test(d)).slice(0, limits.domains),
      files: a.attachments.map((f) => f.sha256).slice(0, limits.files),
      sender,
      messageId: a.messageId,
      subject: a.subject,
    }
  })
  .enrich(
    "intel",
    (ctx) => {
      const calls: Record<
        string,
        | ReturnType<typeof VirusTotal.urlReport>
        | ReturnType<typeof VirusTotal.domainReport>
        | ReturnType<typeof VirusTotal.fileReport>
      > = {}
      for (const url of ctx.indicators.urls) calls[`url:${url}`] = VirusTotal.urlReport({ url })
      for (const domain of ctx.indicators.domains)
        calls[`domain:${domain}`] = VirusTotal.domainReport({ domain })
      for (const hash of ctx.indicators.files) calls[`sha256:${hash}`] = VirusTotal.fileReport({ hash })
      return calls
    },
    { onError: "continue", concurrency: 8, retry: { times: 3, base: "500 millis" }, timeout: "20 seconds" },
  )
  .step("judgement", (ctx) =>
    ctx.email.ok
      ? judge(ctx.email.analysis, ctx.intel as Record<string, Lookup>, Date.parse(ctx.trigger.reportedAt))
      : {
          verdict: "inconclusive" as const,
          reasons: [`the message could not be analysed: ${ctx.email.reason}`],
          indicators: [],
        },
  )
  .case((ctx) => ({
    observables: [
      ...ctx.judgement.indicators.map((i) => ({
        type: i.type,
        raw: i.value,
        verdict: i.verdict,
        source: "virustotal",
      })),
      ...(ctx.indicators.sender ? [{ type: "email", raw: ctx.indicators.sender, source: "email" }] : []),
    ],
    note: `Verdict ${ctx.judgement.verdict}:\n${ctx.judgement.reasons.map((r) => `- ${r}`).join("\n")}`,
  }))
  .decide("verdict", (ctx) => ctx.judgement.verdict)
  .branch("verdict", {
    malicious: (p) =>
      p
        .case({ severity: "high", status: "triaged", tags: ["phishing"] })
        .enrich("copies", (ctx) => ({
          search: GraphMail.searchMessages({
            internetMessageId: ctx.indicators.messageId ?? "<unknown>",
            ...(ctx.trigger.mailboxes ? { mailboxes: ctx.trigger.mailboxes } : {}),
          }),
        }))
        .step("blocks", (ctx) => [
          ...(ctx.indicators.sender ? [ctx.indicators.sender] : []),
          ...ctx.judgement.indicators
            .filter((i) => i.verdict === "malicious" && i.type !== "sha256")
            .filter((i) => i.type !== "domain" || !neverBlockDomains.has(i.value))
            .map((i) => i.value),
        ])
        .approve("purge-approval", {
          roles: ["soc-lead"],
          timeout: "4 hours",
          onTimeout: "escalate",
          escalate: { roles: ["soc-manager"], timeout: "4 hours" },
          summary: (ctx) =>
            `Quarantine ${ctx.copies.search.messages.length} copies of "${ctx.indicators.subject ?? "(no subject)"}" ` +
            `in ${new Set(ctx.copies.search.messages.map((m) => m.mailbox)).size} mailboxes and block ${ctx.blocks.length} indicators ` +
            `(${ctx.blocks.join(", ")})`,
        })
        .act("purge", (ctx) =>
          ctx.copies.search.messages.map((m) =>
            GraphMail.quarantineMessage({
              mailbox: m.mailbox,
              id: m.id,
              // Lets the connector reconcile a replay (Graph has no idempotency header).
              ...(m.internetMessageId && m.internetMessageId.length >= 3
                ? { internetMessageId: m.internetMessageId }
                : {}),
            }),
          ),
        )
        .act("block", (ctx) =>
          ctx.blocks.map((value) =>
            Blocklist.add({
              value,
              ttlSeconds: 30 * 86_400,
              comment: `phishing case: ${ctx.indicators.subject ?? ""}`.slice(0, 500),
            }),
          ),
        )
        .case({ status: "contained" }),
    inconclusive: (p) => p.case({ severity: "medium", status: "triaged", assignee: "tier2" }),
    benign: (p) =>
      p
        .act("notify", (ctx) =>
          GraphMail.sendMail({
            from: socMailbox,
            to: ctx.trigger.reporter,
            subject: "Your phishing report: no threat found",
            body: `Thank you for reporting "${ctx.indicators.subject ?? "(no subject)"}". We checked it and found no threat.`,
          }),
        )
        .close((ctx) => `benign: ${ctx.judgement.reasons.join("; ")}`),
  })
