import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Simulator } from "@riposte/simulators"
import { UrlScan, UrlScanHttp } from "../src/index.ts"

// scanResult: recorded (fixtures/urlscan/result_capitalne.json, see SOURCES.md). submitScan: no
// recording exists; fixtures/urlscan/submission.json is the example of urlscan's API reference.
ConnectorContract.suite(UrlScan, {
  layer: (baseUrl, apiKey) =>
    UrlScanHttp.layer({
      apiKey,
      baseUrl: `${baseUrl}/api/v1`,
      allowedHosts: [new URL(baseUrl).host],
      rateLimit: false,
    }),
  fixtures: {
    submitScan: {
      input: { url: "https://urlquery.net/" },
      response: Simulator.fixture("urlscan/submission.json"),
    },
    scanResult: {
      input: { uuid: "8fb2fc51-7653-46b4-bbb0-a4cde38e549d" },
      response: Simulator.fixture("urlscan/result_capitalne.json"),
    },
  },
})
