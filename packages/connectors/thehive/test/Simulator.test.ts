import { assert, describe, it } from "@effect/vitest"
import { type Connector, ConnectorError } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { TheHive, TheHiveHttp } from "../src/index.ts"

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "phish",
  step,
  attempt: 1,
})

const implementation = (sim: Simulator.Handle, extra: Partial<TheHiveHttp.Config> = {}) =>
  TheHive.service.pipe(
    Effect.provide(
      TheHiveHttp.layer({ baseUrl: sim.urlOf("thehive"), apiKey: Redacted.make("hive-key"), ...extra }),
    ),
  )

const run = (impl: Connector.ImplementationShape, action: string, input: unknown, step = action) =>
  (impl.handlers[action] ?? (() => Effect.die(`no ${action}`)))(input, ctx(step))

type Alert = typeof TheHive.actions.createAlert.output.Type
type Case = typeof TheHive.actions.createCase.output.Type
type Observables = typeof TheHive.actions.addObservable.output.Type

const alertInput = {
  title: "Reported phishing",
  description: "<script>alert(1)</script> stays data",
  type: "email",
  source: "riposte",
  sourceRef: "msg-1",
  tags: ["phishing"],
}

describe("TheHive 5 against the simulator", () => {
  it.live("creates an alert, a case and observables, tagged with the idempotency key", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["thehive"] })
      const hive = yield* implementation(sim)
      const alert = (yield* run(hive, "createAlert", alertInput, "alert")) as Alert
      assert.strictEqual(alert._type, "Alert")
      assert.deepStrictEqual(alert.tags, ["phishing", "riposte:run-1/alert"])
      const kase = (yield* run(
        hive,
        "createCase",
        { title: "Phish", description: "d", severity: 3 },
        "case",
      )) as Case
      assert.strictEqual(kase._type, "Case")
      assert.strictEqual(kase.severity, 3)
      const obs = (yield* run(
        hive,
        "addObservable",
        { parent: "case", parentId: kase._id, dataType: "ip", data: "203.0.113.7", ioc: true },
        "obs",
      )) as Observables
      assert.strictEqual(obs[0]?.data, "203.0.113.7")
      assert.deepStrictEqual(obs[0]?.tags, ["riposte:run-1/obs"])
    }),
  )

  it.live("replays with the same key return the first objects; nothing is created twice", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["thehive"] })
      const hive = yield* implementation(sim)
      const a1 = (yield* run(hive, "createAlert", alertInput, "alert")) as Alert
      const a2 = (yield* run(hive, "createAlert", alertInput, "alert")) as Alert
      assert.strictEqual(a2._id, a1._id)
      const c1 = (yield* run(hive, "createCase", { title: "Phish", description: "d" }, "case")) as Case
      const c2 = (yield* run(hive, "createCase", { title: "Phish", description: "d" }, "case")) as Case
      assert.strictEqual(c2._id, c1._id)
      const input = { parent: "alert", parentId: a1._id, dataType: "domain", data: "evil.example" }
      const o1 = (yield* run(hive, "addObservable", input, "obs")) as Observables
      const o2 = (yield* run(hive, "addObservable", input, "obs")) as Observables
      assert.strictEqual(o2[0]?._id, o1[0]?._id)
      const o3 = (yield* run(hive, "addObservable", input, "obs-2")) as Observables
      assert.notStrictEqual(o3[0]?._id, o1[0]?._id, "another step is another observable")
      const calls = sim.calls()
      assert.strictEqual(calls["POST /thehive/api/v1/alert"], 1)
      assert.strictEqual(calls["POST /thehive/api/v1/case"], 1)
      assert.strictEqual(calls["POST /thehive/api/v1/alert/:id/observable"], 2)
      assert.strictEqual(calls["POST /thehive/api/v1/query"], 7)
      assert.deepStrictEqual(sim.duplicateKeys(), {}, "dedupe is ours, not an Idempotency-Key replay")
    }),
  )

  it.live("without reconciliation a replay creates a second case (why we query first)", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["thehive"] })
      const hive = yield* implementation(sim, { reconcile: false })
      const c1 = (yield* run(hive, "createCase", { title: "Phish", description: "d" }, "case")) as Case
      const c2 = (yield* run(hive, "createCase", { title: "Phish", description: "d" }, "case")) as Case
      assert.notStrictEqual(c2._id, c1._id)
    }),
  )

  it.live("an observable on an unknown case is NotFound; junk never reaches the vendor", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["thehive"] })
      const hive = yield* implementation(sim)
      const missing = yield* Effect.flip(
        run(hive, "addObservable", { parent: "case", parentId: "~1", dataType: "ip", data: "203.0.113.7" }),
      )
      assert.strictEqual(missing.reason._tag, "NotFound")
      const before = sim.calls()
      for (const [action, input] of [
        ["createCase", { title: "", description: "d" }],
        ["createCase", { title: "t", description: "d", tlp: 9 }],
        ["createAlert", { ...alertInput, sourceRef: "a\nb" }],
        ["addObservable", { parent: "case", parentId: "../../admin", dataType: "ip", data: "1.2.3.4" }],
        ["addObservable", { parent: "task", parentId: "~1", dataType: "ip", data: "1.2.3.4" }],
        ["addObservable", { parent: "case", parentId: "~1", dataType: "file", data: "x" }],
      ] as const) {
        const error = yield* Effect.flip(run(hive, action, input))
        assert.instanceOf(error, ConnectorError)
        assert.strictEqual(error.reason._tag, "InvalidInput", JSON.stringify(input))
      }
      assert.deepStrictEqual(sim.calls(), before)
    }),
  )
})
