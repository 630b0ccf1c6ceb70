import { GraphMail } from "@riposte/connector-microsoft-graph-mail"
import { VirusTotal } from "@riposte/connector-virustotal"
import { Connector, createRiposte } from "@riposte/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { phishing } from "../src/playbook.ts"

const stats = (malicious: number) => ({ harmless: 60, malicious, suspicious: 0, undetected: 5 })
const quarantined: Array<string> = []

const connectors = [
  Connector.layer(VirusTotal, {
    urlReport: ({ url }) =>
      Effect.succeed({
        data: {
          id: url,
          type: "url",
          attributes: { url, last_analysis_stats: stats(url.includes("evil") ? 9 : 0) },
        },
      }),
    domainReport: () => Effect.die("unused"),
    fileReport: () => Effect.die("unused"),
    ipReport: () => Effect.die("unused"),
    submitUrl: () => Effect.die("unused"),
  }),
  Connector.layer(GraphMail, {
    searchMessages: () =>
      Effect.succeed({
        messages: [
          { mailbox: "a@corp.example", id: "1" },
          { mailbox: "b@corp.example", id: "2" },
        ],
      }),
    quarantineMessage: ({ mailbox, id }) =>
      Effect.sync(() => {
        quarantined.push(mailbox)
        return { mailbox, id: `q${id}`, previousId: id }
      }),
    restoreMessage: () => Effect.die("unused"),
    sendMail: () => Effect.die("unused"),
  }),
]

describe("the README playbook through the Promise API", () => {
  it("benign closes; malicious waits for a soc-lead, then quarantines every copy", async () => {
    const riposte = await createRiposte({ playbooks: [phishing], connectors })
    try {
      const benign = await riposte.run(phishing, { messageId: "<a@x>", urls: ["https://ok.example/"] })
      expect(benign.status).toBe("closed")

      const { runId } = await riposte.start(phishing, { messageId: "<b@x>", urls: ["https://evil.example/"] })
      let pending = await riposte.approvals.pending({ runId })
      for (let i = 0; i < 200 && pending.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 5))
        pending = await riposte.approvals.pending({ runId })
      }
      expect(pending[0]?.summary).toBe("Quarantine 2 copies")
      expect(quarantined).toEqual([])
      await riposte.approvals.decide(pending[0]!.id, {
        decision: "approve",
        actor: "alice",
        roles: ["soc-lead"],
      })
      const result = await riposte.result(runId)
      expect(result.status).toBe("completed")
      expect(quarantined.sort()).toEqual(["a@corp.example", "b@corp.example"])
      const view = await riposte.cases.view(result.caseId)
      expect(view.case.status).toBe("contained")
    } finally {
      await riposte.close()
    }
  })
})
