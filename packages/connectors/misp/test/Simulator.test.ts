import { assert, describe, it } from "@effect/vitest"
import { type Connector, ConnectorError } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { Misp, MispHttp } from "../src/index.ts"

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "phish",
  step,
  attempt: 1,
})

const implementation = (sim: Simulator.Handle, extra: Partial<MispHttp.Config> = {}) =>
  Misp.service.pipe(
    Effect.provide(
      MispHttp.layer({ baseUrl: sim.urlOf("misp"), apiKey: Redacted.make("misp-key"), ...extra }),
    ),
  )

const run = (impl: Connector.ImplementationShape, action: string, input: unknown, step = action) =>
  (impl.handlers[action] ?? (() => Effect.die(`no ${action}`)))(input, ctx(step))

type Added = typeof Misp.actions.addAttribute.output.Type
type Sighted = typeof Misp.actions.addSighting.output.Type

describe("MISP against the simulator", () => {
  it.live("searchAttributes decodes and assesses; unknown values are unknown", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["misp"] })
      const misp = yield* implementation(sim)
      const found = (yield* run(misp, "searchAttributes", {
        value: "bar.exe",
      })) as typeof Misp.actions.searchAttributes.output.Type
      assert.strictEqual(found.response.Attribute[0]?.value, "bar.exe")
      assert.deepStrictEqual(Misp.actions.searchAttributes.assess?.(found), {
        verdict: "malicious",
        summary: "MISP: 1 attribute in 1 event (1 for IDS)",
      })
      const none = (yield* run(misp, "searchAttributes", {
        value: Simulator.unknownIndicator,
      })) as typeof Misp.actions.searchAttributes.output.Type
      assert.deepStrictEqual(Misp.actions.searchAttributes.assess?.(none), {
        verdict: "unknown",
        summary: "MISP: no attributes",
      })
    }),
  )

  it.live("addAttribute: a replay with the same key finds the attribute instead of adding a second", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["misp"] })
      const misp = yield* implementation(sim)
      const input = { eventId: "12", type: "ip-dst", value: "203.0.113.7", toIds: true }
      const first = (yield* run(misp, "addAttribute", input, "share")) as Added
      const second = (yield* run(misp, "addAttribute", input, "share")) as Added
      assert.strictEqual(first.Attribute.event_id, "12")
      assert.strictEqual(second.Attribute.id, first.Attribute.id)
      assert.strictEqual(sim.calls()["POST /misp/attributes/add/:eventId"], 1, "one attribute added")
      assert.strictEqual(sim.calls()["POST /misp/attributes/restSearch"], 2, "searched before each add")
      assert.deepStrictEqual(sim.duplicateKeys(), {}, "dedupe is ours, not an Idempotency-Key replay")
    }),
  )

  it.live("addAttribute without reconciliation hits MISP's duplicate refusal (why we search first)", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["misp"] })
      const misp = yield* implementation(sim, { reconcile: false })
      const input = { eventId: "12", type: "ip-dst", value: "203.0.113.7" }
      yield* run(misp, "addAttribute", input, "share")
      const error = yield* Effect.flip(run(misp, "addAttribute", input, "share"))
      assert.instanceOf(error, ConnectorError)
      assert.strictEqual(error.reason._tag, "Forbidden")
    }),
  )

  it.live("addSighting: the key rides in `source`; a replay returns the first sighting", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["misp"] })
      const misp = yield* implementation(sim)
      const first = (yield* run(misp, "addSighting", { value: "203.0.113.7" }, "sight")) as Sighted
      assert.strictEqual(first.Sighting?.source, MispHttp.sightingSource("run-1/sight"))
      assert.strictEqual(first.Sighting?.type, "0")
      const replay = (yield* run(misp, "addSighting", { value: "203.0.113.7" }, "sight")) as Sighted
      assert.strictEqual(replay.Sighting?.id, first.Sighting?.id)
      const other = (yield* run(
        misp,
        "addSighting",
        { value: "203.0.113.7", type: "false-positive" },
        "fp",
      )) as Sighted
      assert.notStrictEqual(other.Sighting?.id, first.Sighting?.id, "another step is another sighting")
      assert.strictEqual(other.Sighting?.type, "1")
      assert.strictEqual(sim.calls()["POST /misp/sightings/add"], 2)
      assert.strictEqual(sim.calls()["POST /misp/sightings/restSearch/:context"], 3)
    }),
  )

  it.live("junk input never reaches the vendor", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["misp"] })
      const misp = yield* implementation(sim)
      for (const [action, input] of [
        ["searchAttributes", { value: "" }],
        ["searchAttributes", { value: "x".repeat(3000) }],
        ["searchAttributes", { value: "a\u0000b" }],
        ["addAttribute", { eventId: "../events/delete/1", type: "ip-dst", value: "1.2.3.4" }],
        ["addAttribute", { eventId: "12", type: "IP DST", value: "1.2.3.4" }],
        ["addSighting", { value: "1.2.3.4", type: "maybe" }],
      ] as const) {
        const error = yield* Effect.flip(run(misp, action, input))
        assert.instanceOf(error, ConnectorError)
        assert.strictEqual(error.reason._tag, "InvalidInput", JSON.stringify(input))
      }
      assert.deepStrictEqual(sim.calls(), {})
    }),
  )
})
