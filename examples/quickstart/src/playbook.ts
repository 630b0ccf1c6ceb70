/**
 * The README's playbook, verbatim: type-checked and tested like every example.
 */
import { GraphMail } from "@riposte/connector-microsoft-graph-mail"
import { VirusTotal } from "@riposte/connector-virustotal"
import { playbook } from "@riposte/core"
import { Schema } from "effect"

export const phishing = playbook("phishing", { version: "1.0.0", attack: ["T1566"] })
  .trigger(Schema.Struct({ messageId: Schema.String, urls: Schema.Array(Schema.String) }))
  .enrich("intel", (ctx) => ctx.trigger.urls.map((url) => VirusTotal.urlReport({ url })), {
    onError: "continue",
    concurrency: 8,
    retry: { times: 3 },
    timeout: "20 seconds",
  })
  .decide("verdict", (ctx) =>
    ctx.intel.some((r) => r._tag === "Success" && r.value.data.attributes.last_analysis_stats.malicious > 2)
      ? "malicious"
      : "benign",
  )
  .branch("verdict", {
    malicious: (p) =>
      p
        .enrich("copies", (ctx) => ({
          search: GraphMail.searchMessages({ internetMessageId: ctx.trigger.messageId }),
        }))
        .approve("purge", {
          roles: ["soc-lead"],
          timeout: "4 hours",
          onTimeout: "deny",
          summary: (ctx) => `Quarantine ${ctx.copies.search.messages.length} copies`,
        })
        // Without the .approve() above this line is a type error: quarantine is destructive.
        .act("quarantine", (ctx) =>
          ctx.copies.search.messages.map((m) =>
            GraphMail.quarantineMessage({ mailbox: m.mailbox, id: m.id }),
          ),
        )
        .case({ severity: "high", status: "contained" }),
    benign: (p) => p.close("no malicious indicator"),
  })
