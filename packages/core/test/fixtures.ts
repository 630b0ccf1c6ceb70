import { Clock, type Duration, Effect, Layer, Schema } from "effect"
import { Connector, ConnectorError, Transport } from "../src/index.ts"

export const Reputation = Connector.make("reputation", {
  version: "1",
  actions: {
    url: Connector.action({
      input: Schema.Struct({ url: Schema.String }),
      output: Schema.Struct({ malicious: Schema.Number }),
      kind: "read",
      targets: (i) => [i.url],
      assess: (o) => ({ verdict: o.malicious > 0 ? "malicious" : "benign", score: o.malicious }),
    }),
    sender: Connector.action({
      input: Schema.Struct({ address: Schema.String }),
      output: Schema.Struct({ spf: Schema.String, domainAgeDays: Schema.Number }),
      kind: "read",
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
      output: Schema.Void,
      kind: "write",
    }),
  },
})

export interface CallLog {
  readonly calls: Array<{
    connector: string
    action: string
    input: unknown
    key: string
    attempt: number
    at?: number
  }>
}

export const makeLog = (): CallLog => ({ calls: [] })

/** Mocks with a call log; `maliciousHosts` decides reputation. */
export const mocks = (
  log: CallLog,
  options: {
    maliciousHosts?: ReadonlyArray<string>
    urlDelay?: (url: string) => Duration.Input
    failUrl?: string
  } = {},
) =>
  Layer.mergeAll(
    Connector.layer(Reputation, {
      url: ({ url }, ctx) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          log.calls.push({
            connector: "reputation",
            action: "url",
            input: { url },
            key: ctx.idempotencyKey,
            attempt: ctx.attempt,
            at,
          })
          if (options.urlDelay) yield* Effect.sleep(options.urlDelay(url))
          if (options.failUrl === url) {
            return yield* new ConnectorError({
              connector: "reputation",
              action: "url",
              reason: new Transport({ detail: "down" }),
            })
          }
          return { malicious: (options.maliciousHosts ?? []).some((h) => url.includes(h)) ? 7 : 0 }
        }),
      sender: ({ address }) =>
        Effect.sync(() => {
          log.calls.push({
            connector: "reputation",
            action: "sender",
            input: { address },
            key: "",
            attempt: 0,
          })
          return { spf: "pass", domainAgeDays: 400 }
        }),
    }),
    Connector.layer(Mail, {
      search: ({ messageId }) =>
        Effect.sync(() => {
          log.calls.push({ connector: "mail", action: "search", input: { messageId }, key: "", attempt: 0 })
          return { mailboxes: ["alice@corp.test", "bob@corp.test"] }
        }),
      purge: (input, ctx) =>
        Effect.sync(() => {
          log.calls.push({
            connector: "mail",
            action: "purge",
            input,
            key: ctx.idempotencyKey,
            attempt: ctx.attempt,
          })
          return { purged: true }
        }),
      notify: (input) =>
        Effect.sync(() => {
          log.calls.push({ connector: "mail", action: "notify", input, key: "", attempt: 0 })
        }),
    }),
  )
