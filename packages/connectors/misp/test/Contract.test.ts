import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Simulator } from "@riposte/simulators"
import { Misp, MispHttp } from "../src/index.ts"

// The recorded PyMISP attribute and sighting (fixtures/misp, see SOURCES.md) in the envelopes
// MISP's API reference gives for restSearch (`response.Attribute`), attributes/add (`Attribute`)
// and sightings/add (`Sighting`); ids added because the recording is an unsaved event.
const recorded = Simulator.fixture<{ Attribute: Array<Record<string, unknown>> }>("misp/attribute.json")
  .Attribute[0]
const attribute = { ...recorded, id: "991", event_id: "12" }

// `reconcile: false`: the contract checks the single request each action sends (the suite's
// server answers every request with the action's fixture). The read-before-act path is covered
// by Simulator.test.ts.
ConnectorContract.suite(Misp, {
  layer: (baseUrl, apiKey) =>
    MispHttp.layer({ baseUrl, apiKey, allowedHosts: [new URL(baseUrl).host], reconcile: false }),
  fixtures: {
    searchAttributes: { input: { value: "bar.exe" }, response: { response: { Attribute: [attribute] } } },
    addSighting: {
      input: { value: "bar.exe" },
      response: { Sighting: Simulator.fixture("misp/sighting.json") },
    },
    addAttribute: {
      input: { eventId: "12", type: "filename", value: "bar.exe" },
      response: { Attribute: attribute },
    },
  },
})
