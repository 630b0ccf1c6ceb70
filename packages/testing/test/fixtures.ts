/**
 * Small connectors and playbooks the kit's own tests run.
 */
import { Connector, playbook } from "@riposte/core"
import { Effect, Schema } from "effect"
import { Test } from "../src/index.ts"

export const Reputation = Connector.make("reputation", {
  version: "1",
  actions: {
    url: Connector.action({
      input: Schema.Struct({ url: Schema.String }),
      // Vendor scores are finite numbers: the output schema says so (generated responses obey it).
      output: Schema.Struct({ malicious: Schema.Finite }),
      kind: "read",
      targets: (i) => [i.url],
      assess: (o) => ({ verdict: o.malicious > 0 ? "malicious" : "benign", score: o.malicious }),
    }),
  },
})

export const Mail = Connector.make("mail", {
  version: "1",
  actions: {
    search: Connector.action({
      input: Schema.Struct({ messageId: Schema.String }),
      output: Schema.Struct({ mailboxes: Schema.Array(Schema.String) }),
      kind: "read",
    }),
    purge: Connector.action({
      input: Schema.Struct({ messageId: Schema.String, mailbox: Schema.String }),
      output: Schema.Struct({ purged: Schema.Boolean }),
      kind: "destructive",
      budget: "mailbox",
      targets: (i) => [i.mailbox],
    }),
    notify: Connector.action({
      input: Schema.Struct({ to: Schema.String, text: Schema.String }),
      output: Schema.Struct({ sent: Schema.Boolean }),
      kind: "write",
    }),
  },
})

/** A reported mail. Field shapes are validated: the trigger is attacker-influenced input. */
export const Reported = Schema.Struct({
  messageId: Schema.String.check(Schema.isPattern(/^<[a-z0-9.-]{1,20}@[a-z0-9.-]{1,20}>$/)),
  reporter: Schema.String.check(Schema.isPattern(/^[a-z0-9.]{1,20}@corp\.test$/)),
  urls: Schema.Array(
    Schema.String.check(Schema.isPattern(/^https:\/\/[a-z0-9.-]{1,30}\/[a-z0-9]{0,10}$/)),
  ).check(Schema.isMaxLength(5)),
})

/** Triage of a reported mail: malicious → approval → purge every copy; benign → notify and close. */
export const triage = playbook("triage", { version: "1.0.0" })
  .trigger(Reported, { idempotencyKey: (i) => i.messageId })
  .enrich("urls", (ctx) => ctx.trigger.urls.map((url) => Reputation.url({ url })))
  .decide("verdict", (ctx) => (ctx.urls.some((r) => r.malicious > 0) ? "malicious" : "benign"))
  .branch("verdict", {
    malicious: (p) =>
      p
        .enrich("copies", (ctx) => ({ search: Mail.search({ messageId: ctx.trigger.messageId }) }))
        .approve("purge-ok", {
          roles: ["soc-lead"],
          timeout: "4 hours",
          onTimeout: "deny",
          summary: (ctx) => `Purge ${ctx.copies.search.mailboxes.length} copies`,
        })
        .act("purge", (ctx) =>
          ctx.copies.search.mailboxes.map((mailbox) =>
            Mail.purge({ messageId: ctx.trigger.messageId, mailbox }),
          ),
        )
        .case({ severity: "high", status: "contained" }),
    benign: (p) =>
      p
        .act("notify", (ctx) => Mail.notify({ to: ctx.trigger.reporter, text: "benign" }))
        .close("benign: no malicious indicator"),
  })

export const alert = (urls: ReadonlyArray<string>) => ({
  messageId: `<m-${urls.length}@x>`,
  reporter: "r@corp.test",
  urls,
})

/** Mocks: hosts containing "evil" are malicious; every mail is in two mailboxes. */
export const mocks = [
  Test.mock(Reputation, { url: ({ url }) => ({ malicious: url.includes("evil") ? 7 : 0 }) }),
  Test.mock(Mail, {
    search: () => ({ mailboxes: ["alice@corp.test", "bob@corp.test"] }),
    purge: () => Effect.succeed({ purged: true }),
    notify: () => ({ sent: true }),
  }),
]
