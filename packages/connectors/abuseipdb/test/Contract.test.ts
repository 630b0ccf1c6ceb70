import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Simulator } from "@riposte/simulators"
import { AbuseIpDb, AbuseIpDbHttp } from "../src/index.ts"

// AbuseIPDB has no recording: the fixture is the example response of the vendor's API
// reference (see @riposte/simulators fixtures/README.md).
ConnectorContract.suite(AbuseIpDb, {
  layer: (baseUrl, apiKey) =>
    AbuseIpDbHttp.layer({
      apiKey,
      baseUrl: `${baseUrl}/api/v2`,
      allowedHosts: [new URL(baseUrl).host],
      rateLimit: false,
    }),
  fixtures: {
    checkIp: { input: { ip: "118.25.6.39" }, response: Simulator.fixture("abuseipdb/check.json") },
  },
})
