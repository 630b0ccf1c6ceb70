import { ConnectorContract } from "@riposte/testing"
import { ExampleIntel, ExampleIntelHttp } from "../src/index.ts"

// Fixtures: a recorded response per action (here written by hand for the fictitious API; for a
// real vendor, record them or write them from the published reference and say which).
ConnectorContract.suite(ExampleIntel, {
  layer: (baseUrl, apiKey) =>
    ExampleIntelHttp.layer({ apiKey, baseUrl, allowedHosts: [new URL(baseUrl).host], rateLimit: false }),
  fixtures: {
    lookup: {
      input: { indicator: "evil.example" },
      response: { indicator: "evil.example", score: 91, tags: ["phishing"], extra: "ignored" },
    },
    report: {
      input: { indicator: "evil.example", comment: "seen in a phish" },
      response: { id: "r-1", created: true },
    },
  },
})
