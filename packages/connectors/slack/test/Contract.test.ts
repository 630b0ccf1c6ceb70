import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Simulator } from "@riposte/simulators"
import { Slack, SlackHttp } from "../src/index.ts"

// No realistic recording of chat.postMessage exists (SOURCES.md, "Not collected"):
// fixtures/slack/chat.postMessage.json is the example response of Slack's API reference.
ConnectorContract.suite(Slack, {
  layer: (baseUrl, botToken) =>
    SlackHttp.layer({
      botToken,
      baseUrl: `${baseUrl}/api`,
      allowedHosts: [new URL(baseUrl).host],
      rateLimit: false,
    }),
  fixtures: {
    postMessage: {
      input: { channel: "C123ABC456", text: "Here's a message for you" },
      response: Simulator.fixture("slack/chat.postMessage.json"),
    },
    approvalMessage: {
      input: {
        channel: "C123ABC456",
        approvalToken: "tok_4f0c1f5e9a7b4d2c8e6a1b3c5d7e9f01",
        action: "Quarantine the message",
        summary: "Reported phishing",
      },
      response: Simulator.fixture("slack/chat.postMessage.json"),
    },
  },
})
