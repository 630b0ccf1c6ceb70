import { assert, describe, it } from "@effect/vitest"
import { RateLimiter } from "@riposte/connector-kit"
import { type Connector, ConnectorError } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { VirusTotal, VirusTotalHttp } from "../src/index.ts"

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "phish",
  step,
  attempt: 1,
})

const implementation = (sim: Simulator.Handle, extra: Partial<VirusTotalHttp.Config> = {}) =>
  Effect.gen(function* () {
    return yield* VirusTotal.service
  }).pipe(
    Effect.provide(
      VirusTotalHttp.layer({
        apiKey: Redacted.make("vt-test-key"),
        baseUrl: `${sim.urlOf("virustotal")}/api/v3`,
        rateLimit: false,
        ...extra,
      }),
    ),
  )

const run = (impl: Connector.ImplementationShape, action: string, input: unknown, step = action) =>
  (impl.handlers[action] ?? (() => Effect.die(`no ${action}`)))(input, ctx(step))

describe("VirusTotal against the simulator", () => {
  it.live("runs every action end to end", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["virustotal"] })
      const vt = yield* implementation(sim)
      const file = (yield* run(vt, "fileReport", {
        hash: "44D88612FEA8A8F36DE82E1278ABB02F",
      })) as typeof VirusTotal.actions.fileReport.output.Type
      assert.strictEqual(file.data.id, "44d88612fea8a8f36de82e1278abb02f")
      const url = (yield* run(vt, "urlReport", {
        url: "http://capitalne.com/",
      })) as typeof VirusTotal.actions.urlReport.output.Type
      assert.deepStrictEqual(url.data.attributes.last_analysis_stats, {
        harmless: 77,
        malicious: 7,
        suspicious: 0,
        timeout: 0,
        undetected: 8,
      })
      assert.strictEqual(url.data.id, VirusTotalHttp.urlId("http://capitalne.com/"))
      const domain = (yield* run(vt, "domainReport", {
        domain: "Example.COM",
      })) as typeof VirusTotal.actions.domainReport.output.Type
      assert.strictEqual(domain.data.attributes.last_analysis_stats.malicious, 8)
      const ip = (yield* run(vt, "ipReport", {
        ip: "203.0.113.7",
      })) as typeof VirusTotal.actions.ipReport.output.Type
      assert.strictEqual(ip.data.attributes.asn, 64500)
      const submitted = (yield* run(vt, "submitUrl", {
        url: "https://evil.example/x",
      })) as typeof VirusTotal.actions.submitUrl.output.Type
      assert.strictEqual(submitted.data.type, "analysis")
      assert.deepStrictEqual(sim.calls(), {
        "GET /virustotal/api/v3/files/:id": 1,
        "GET /virustotal/api/v3/urls/:id": 1,
        "GET /virustotal/api/v3/domains/:domain": 1,
        "GET /virustotal/api/v3/ip_addresses/:ip": 1,
        "POST /virustotal/api/v3/urls": 1,
      })
    }),
  )

  it.live("a replayed submission carries the same Idempotency-Key (the simulator applies it once)", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["virustotal"] })
      const vt = yield* implementation(sim)
      yield* run(vt, "submitUrl", { url: "https://evil.example/x" }, "submit")
      yield* run(vt, "submitUrl", { url: "https://evil.example/x" }, "submit")
      assert.deepStrictEqual(sim.duplicateKeys(), { "virustotal:run-1/submit": 1 })
    }),
  )

  it.live("unknown indicators are NotFound; simulated outages are retried inside the call", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["virustotal"] })
      const vt = yield* implementation(sim)
      const missing = yield* Effect.flip(run(vt, "domainReport", { domain: Simulator.unknownIndicator }))
      assert.instanceOf(missing, ConnectorError)
      assert.strictEqual(missing.reason._tag, "NotFound")

      let draws = 0
      const flaky = yield* Simulator.scoped({
        vendors: ["virustotal"],
        failureRate: 0.5,
        random: () => (draws++ < 2 ? 0 : 0.99),
      })
      const retrying = yield* implementation(flaky, { retry: { times: 3, base: 5, max: 20 } })
      const ip = yield* run(retrying, "ipReport", { ip: "203.0.113.7" })
      assert.isDefined(ip)
      assert.strictEqual(
        flaky.calls()["GET /virustotal/api/v3/ip_addresses/:ip"],
        3,
        "two 503s, then success",
      )
    }),
  )

  it.effect("defaults to the public quota: the 5th call in a minute waits", () =>
    Effect.gen(function* () {
      RateLimiter.resetShared()
      const sim = yield* Simulator.scoped({ vendors: ["virustotal"] })
      const vt = yield* implementation(sim, { rateLimit: undefined })
      for (let i = 0; i < 4; i++) yield* run(vt, "ipReport", { ip: "203.0.113.7" })
      const fifth = yield* Effect.forkChild(run(vt, "ipReport", { ip: "203.0.113.7" }))
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
      assert.strictEqual(sim.calls()["GET /virustotal/api/v3/ip_addresses/:ip"], 4)
      yield* TestClock.adjust(15_000)
      yield* Fiber.join(fifth)
      assert.strictEqual(sim.calls()["GET /virustotal/api/v3/ip_addresses/:ip"], 5)
    }),
  )
})
