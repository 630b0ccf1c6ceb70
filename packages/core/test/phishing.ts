import { Schema } from "effect"
import { playbook } from "../src/index.ts"
import { Mail, Reputation } from "./fixtures.ts"

const Reported = Schema.Struct({
  messageId: Schema.String,
  sender: Schema.String,
  reporter: Schema.String,
  urls: Schema.Array(Schema.String),
})

export const phishing = playbook("phish-test", { version: "1.0.0" })
  .trigger(Reported, { idempotencyKey: (i) => i.messageId })
  .enrich("urls", (ctx) => ctx.trigger.urls.map((url) => Reputation.url({ url })), {
    onError: "continue",
    concurrency: 4,
  })
  .enrich("sender", (ctx) => ({ rep: Reputation.sender({ address: ctx.trigger.sender }) }))
  .decide("verdict", (ctx) =>
    ctx.urls.some((r) => r._tag === "Success" && r.value.malicious > 0)
      ? "malicious"
      : ctx.urls.some((r) => r._tag === "Failure")
        ? "inconclusive"
        : "benign",
  )
  .branch("verdict", {
    malicious: (p) =>
      p
        .enrich("copies", (ctx) => ({ search: Mail.search({ messageId: ctx.trigger.messageId }) }))
        .approve("purge-ok", {
          roles: ["soc-lead"],
          timeout: "4 hours",
          onTimeout: "deny",
          summary: (ctx) => `Purge ${ctx.copies.search.mailboxes.length} copies of ${ctx.trigger.messageId}`,
        })
        .act("purge", (ctx) =>
          ctx.copies.search.mailboxes.map((mailbox) =>
            Mail.purge({ messageId: ctx.trigger.messageId, mailbox }),
          ),
        )
        .case({ severity: "high", status: "contained" }),
    inconclusive: (p) => p.case({ assignee: "tier2", status: "triaged" }),
    benign: (p) =>
      p
        .act("notify", (ctx) => Mail.notify({ to: ctx.trigger.reporter, text: "benign" }))
        .close("benign: no malicious indicator"),
  })

export const input = (urls: ReadonlyArray<string>) => ({
  messageId: `<m-${urls.join(",")}@x>`,
  sender: "a@evil.test",
  reporter: "r@corp.test",
  urls,
})
