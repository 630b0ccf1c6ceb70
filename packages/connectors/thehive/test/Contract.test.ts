import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Simulator } from "@riposte/simulators"
import { TheHive, TheHiveHttp } from "../src/index.ts"

// createCase: a recorded TheHive 5 case (fixtures/thehive/cases_list_v5.json, see SOURCES.md).
// Alert and observable: no recording exists; alert_v5.json / observable_v5.json were written
// from TheHive 5's API reference (see the simulators' fixtures/README.md).
// `reconcile: false`: the contract checks the single create request of each action (the suite's
// server answers every request with the action's fixture); Simulator.test.ts covers the
// tag query that precedes it.
ConnectorContract.suite(TheHive, {
  layer: (baseUrl, apiKey) =>
    TheHiveHttp.layer({ baseUrl, apiKey, allowedHosts: [new URL(baseUrl).host], reconcile: false }),
  fixtures: {
    createAlert: {
      input: {
        title: "Reported phishing: invoice.zip",
        description: "User reported a suspicious attachment.",
        type: "email",
        source: "riposte",
        sourceRef: "alert-2023-11-06-001",
      },
      response: Simulator.fixture("thehive/alert_v5.json"),
    },
    createCase: {
      input: { title: "new case", description: "new case for test" },
      response: Simulator.fixture<Array<unknown>>("thehive/cases_list_v5.json")[0],
    },
    addObservable: {
      input: { parent: "case", parentId: "~3878920", dataType: "ip", data: "203.0.113.7" },
      response: Simulator.fixture("thehive/observable_v5.json"),
    },
  },
})
