/**
 * Connector mocks for the phishing playbook's unit tests, with a call log. Verdicts come from
 * a set of hosts treated as malicious.
 */
import { Blocklist } from "@riposte/connector-blocklist"
import { GraphMail } from "@riposte/connector-microsoft-graph-mail"
import { VirusTotal } from "@riposte/connector-virustotal"
import { Connector } from "@riposte/core"
import { Effect, Layer } from "effect"

export interface Call {
  readonly action: string
  readonly input: unknown
  readonly key: string
}

const stats = (malicious: number) => ({ harmless: 70 - malicious, malicious, suspicious: 0, undetected: 10 })

const report = (id: string, malicious: number, extra: Record<string, unknown> = {}) => ({
  data: { id, type: "report", attributes: { last_analysis_stats: stats(malicious), ...extra } },
})

export const mocks = (options: {
  readonly malicious: ReadonlyArray<string>
  readonly mailboxes?: ReadonlyArray<string>
}) => {
  const calls: Array<Call> = []
  const bad = (value: string) => options.malicious.some((m) => value.includes(m))
  /** Logs the call and answers `value`. */
  const answer = <A>(action: string, input: unknown, key: string, value: A) =>
    Effect.sync(() => {
      calls.push({ action, input, key })
      return value
    })
  const layer = Layer.mergeAll(
    Connector.layer(VirusTotal, {
      urlReport: ({ url }, ctx) =>
        answer("vt.url", { url }, ctx.idempotencyKey, {
          data: { id: url, type: "url", attributes: { url, last_analysis_stats: stats(bad(url) ? 9 : 0) } },
        }),
      domainReport: ({ domain }, ctx) =>
        answer(
          "vt.domain",
          { domain },
          ctx.idempotencyKey,
          report(domain, bad(domain) ? 9 : 0, { creation_date: 1_485_015_979 }),
        ),
      fileReport: ({ hash }, ctx) => answer("vt.file", { hash }, ctx.idempotencyKey, report(hash, 0)),
      ipReport: ({ ip }) => Effect.succeed(report(ip, 0)),
      submitUrl: ({ url }) => Effect.succeed({ data: { type: "analysis" as const, id: url } }),
    }),
    Connector.layer(GraphMail, {
      searchMessages: (input, ctx) => {
        const boxes = input.mailboxes ??
          options.mailboxes ?? ["alice@corp.example", "bob@corp.example", "carol@corp.example"]
        return answer("mail.search", input, ctx.idempotencyKey, {
          messages: boxes.map((mailbox, i) => ({ mailbox, id: `msg-${i}` })),
        })
      },
      quarantineMessage: (input, ctx) =>
        answer("mail.quarantine", input, ctx.idempotencyKey, {
          mailbox: input.mailbox,
          id: `q-${input.id}`,
          previousId: input.id,
        }),
      restoreMessage: (input, ctx) =>
        answer("mail.restore", input, ctx.idempotencyKey, {
          mailbox: input.mailbox,
          id: `r-${input.id}`,
          previousId: input.id,
        }),
      sendMail: (input, ctx) => answer("mail.send", input, ctx.idempotencyKey, { sent: true }),
    }),
    Connector.layer(Blocklist, {
      add: (input, ctx) =>
        answer("block.add", input, ctx.idempotencyKey, {
          value: input.value,
          expiresAt: null,
          created: true,
        }),
      remove: (input, ctx) =>
        answer("block.remove", input, ctx.idempotencyKey, { value: input.value, removed: true }),
      list: () => Effect.succeed({ entries: [] }),
    }),
  )
  return { calls, layer }
}
