import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Simulator } from "@riposte/simulators"
import { GraphMail, GraphMailHttp } from "../src/index.ts"

// Recorded Graph message collection (fixtures of @riposte/simulators; see its fixtures/SOURCES.md).
const collection = Simulator.fixture<{ value: ReadonlyArray<unknown> }>(
  "microsoft-graph/list_messages_response_with_one_mail.json",
)

// The planted credential is used as the bearer token (a static token: the token endpoint would
// be a second request). Quarantine/restore first read the message in the destination folder;
// the recorded message answers that read, so the action succeeds without moving (one request).
ConnectorContract.suite(GraphMail, {
  layer: (baseUrl, accessToken) =>
    GraphMailHttp.layer({ accessToken, baseUrl, allowedHosts: [new URL(baseUrl).host], rateLimit: false }),
  fixtures: {
    searchMessages: {
      input: { internetMessageId: "<phish-1@evil.example>", mailboxes: ["alice@corp.example"] },
      response: collection,
    },
    quarantineMessage: {
      input: { mailbox: "alice@corp.example", id: "-qAAA=" },
      response: collection.value[0],
    },
    restoreMessage: { input: { mailbox: "alice@corp.example", id: "-qAAA=" }, response: collection.value[0] },
    sendMail: {
      input: { from: "soc@corp.example", to: "alice@corp.example", subject: "Phishing removed", body: "Hi" },
      // Graph answers sendMail with 202 and an empty body.
      response: undefined,
    },
  },
})
