import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Simulator } from "@riposte/simulators"
import { UrlHaus, UrlHausHttp } from "../src/index.ts"

// Recorded URLhaus responses (fixtures of @riposte/simulators; see its fixtures/SOURCES.md).
ConnectorContract.suite(UrlHaus, {
  layer: (baseUrl, authKey) =>
    UrlHausHttp.layer({ authKey, baseUrl: `${baseUrl}/v1`, allowedHosts: [new URL(baseUrl).host] }),
  fixtures: {
    urlLookup: {
      input: {
        url: "http://sskymedia.com/VMYB-ht_JAQo-gi/INV/99401FORPO/20673114777/US/Outstanding-Invoices/",
      },
      response: Simulator.fixture("urlhaus/url_command.json"),
    },
    hostLookup: {
      input: { host: "vektorex.com" },
      response: Simulator.fixture("urlhaus/domain_command.json"),
    },
  },
})
