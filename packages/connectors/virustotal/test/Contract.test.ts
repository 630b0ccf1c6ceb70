import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Simulator } from "@riposte/simulators"
import { VirusTotal, VirusTotalHttp } from "../src/index.ts"

// Recorded VirusTotal v3 responses (fixtures of @riposte/simulators; see its fixtures/SOURCES.md).
ConnectorContract.suite(VirusTotal, {
  layer: (baseUrl, apiKey) =>
    VirusTotalHttp.layer({
      apiKey,
      baseUrl: `${baseUrl}/api/v3`,
      allowedHosts: [new URL(baseUrl).host],
      rateLimit: false,
    }),
  fixtures: {
    fileReport: {
      input: { hash: "44d88612fea8a8f36de82e1278abb02f" },
      response: Simulator.fixture("virustotal/private_file.json"),
    },
    urlReport: {
      input: { url: "http://capitalne.com/" },
      response: Simulator.fixture("virustotal/url.json"),
    },
    domainReport: { input: { domain: "example.com" }, response: Simulator.fixture("virustotal/domain.json") },
    ipReport: { input: { ip: "203.0.113.7" }, response: Simulator.fixture("virustotal/ip_address.json") },
    submitUrl: {
      input: { url: "https://evil.example/login" },
      response: Simulator.fixture("virustotal/url_submission.json"),
    },
  },
})
