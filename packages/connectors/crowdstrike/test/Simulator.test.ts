import { assert, describe, it } from "@effect/vitest"
import { Connector } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { CrowdStrike, CrowdStrikeHttp } from "../src/index.ts"

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "malware",
  step,
  attempt: 1,
})

const host = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

const setup = Effect.gen(function* () {
  const sim = yield* Simulator.scoped({ vendors: ["falcon"] })
  // One layer (one token cache) for the whole test, as an application builds it.
  const layer = CrowdStrikeHttp.layer({
    clientId: "falcon-client",
    clientSecret: Redacted.make("falcon-secret"),
    baseUrl: sim.urlOf("falcon"),
    rateLimit: false,
  })
  const invoke = <C extends Connector.AnyCall>(call: C, step: string) =>
    Connector.invoke(call, ctx(step)).pipe(Effect.provide(layer))
  return { sim, invoke }
})

describe("CrowdStrike Falcon against the simulator", () => {
  it.live("contain → undo (lift) restores the host; a replay with the same key applies once", () =>
    Effect.gen(function* () {
      const { sim, invoke } = yield* setup
      const input = { deviceId: host.toUpperCase() }
      const contained = yield* invoke(CrowdStrike.containHost(input), "contain")
      assert.deepStrictEqual(
        contained.resources.map((r) => r.id),
        [host],
      )
      assert.strictEqual(sim.falcon.host(host)?.status, "contained")
      const replay = yield* invoke(CrowdStrike.containHost(input), "contain")
      assert.deepStrictEqual(replay, contained)
      assert.deepStrictEqual(sim.duplicateKeys(), { "falcon:run-1/contain": 1 })
      assert.strictEqual(
        (yield* invoke(CrowdStrike.getHost(input), "read")).resources[0]?.status,
        "contained",
      )

      const def = CrowdStrike.actions.containHost
      assert.strictEqual(def.undo, "liftContainment")
      yield* invoke(CrowdStrike.liftContainment(def.undoInput?.(input, contained) as typeof input), "undo")
      assert.strictEqual(sim.falcon.host(host)?.status, "normal")
      assert.strictEqual(sim.calls()["POST /falcon/oauth2/token"], 1, "one token for every call")
    }),
  )

  it.live("detections: query ids, then read them", () =>
    Effect.gen(function* () {
      const { sim, invoke } = yield* setup
      sim.falcon.seedDetections([
        { id: `ldt:${host}:1`, deviceId: host, severity: "Critical", tactic: "Credential Access" },
        { id: `ldt:${host}:2`, deviceId: host, severity: "Low", tactic: "Discovery" },
      ])
      const ids = yield* invoke(CrowdStrike.queryDetections({ filter: `device.device_id:'${host}'` }), "q")
      assert.deepStrictEqual(ids.resources, [`ldt:${host}:1`, `ldt:${host}:2`])
      const detections = yield* invoke(CrowdStrike.getDetections({ ids: ids.resources }), "get")
      assert.deepStrictEqual(
        detections.resources.map((d) => [
          d.max_severity_displayname,
          d.behaviors?.[0]?.tactic,
          d.device.hostname,
        ]),
        [
          ["Critical", "Credential Access", "WS-FINANCE-01"],
          ["Low", "Discovery", "WS-FINANCE-01"],
        ],
      )
    }),
  )

  it.live("an unknown host is NotFound and nothing is contained", () =>
    Effect.gen(function* () {
      const { sim, invoke } = yield* setup
      const error = yield* Effect.flip(
        invoke(CrowdStrike.containHost({ deviceId: "ffffffffffffffffffffffffffffffff" }), "contain"),
      )
      assert.strictEqual(error.reason._tag, "NotFound")
      assert.strictEqual(sim.falcon.host(host)?.status, "normal")
    }),
  )
})
