import { assert, describe, it } from "@effect/vitest"
import { RateLimiter } from "@riposte/connector-kit"
import { type Connector, ConnectorError } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { AbuseIpDb, AbuseIpDbHttp, AbuseIpDbSchemas } from "../src/index.ts"

const ctx: Connector.CallContext = {
  idempotencyKey: "run-1/abuse",
  runId: "run-1",
  playbook: "phish",
  step: "abuse",
  attempt: 1,
}

const implementation = (sim: Simulator.Handle, extra: Partial<AbuseIpDbHttp.Config> = {}) =>
  AbuseIpDb.service.pipe(
    Effect.provide(
      AbuseIpDbHttp.layer({
        apiKey: Redacted.make("abuse-test-key"),
        baseUrl: `${sim.urlOf("abuseipdb")}/api/v2`,
        rateLimit: false,
        ...extra,
      }),
    ),
  )

const check = (impl: Connector.ImplementationShape, input: unknown) =>
  (impl.handlers.checkIp ?? (() => Effect.die("no checkIp")))(input, ctx) as Effect.Effect<
    typeof AbuseIpDb.actions.checkIp.output.Type,
    ConnectorError
  >

const report = (score: number, totalReports: number, isWhitelisted = false) => ({
  data: { ipAddress: "203.0.113.7", abuseConfidenceScore: score, totalReports, isWhitelisted },
})

describe("AbuseIPDB against the simulator", () => {
  it.live("checkIp decodes the report and assess reads abuseConfidenceScore", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["abuseipdb"] })
      const abuse = yield* implementation(sim)
      const result = yield* check(abuse, { ip: "203.0.113.7" })
      assert.strictEqual(result.data.ipAddress, "203.0.113.7")
      assert.strictEqual(result.data.abuseConfidenceScore, 87)
      const verdict = AbuseIpDb.actions.checkIp.assess?.(result)
      assert.deepStrictEqual(verdict, {
        verdict: "malicious",
        score: 87,
        summary: "AbuseIPDB 87/100 (42 reports)",
      })
      assert.deepStrictEqual(sim.calls(), { "GET /abuseipdb/api/v2/check": 1 })
    }),
  )

  it.live("junk input never reaches the vendor", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["abuseipdb"] })
      const abuse = yield* implementation(sim)
      for (const ip of ["999.1.1.1", "1.2.3.4&maxAgeInDays=1", "not an ip"]) {
        const error = yield* Effect.flip(check(abuse, { ip }))
        assert.instanceOf(error, ConnectorError)
        assert.strictEqual(error.reason._tag, "InvalidInput")
      }
      const error = yield* Effect.flip(check(abuse, { ip: "1.2.3.4", maxAgeInDays: 400 }))
      assert.strictEqual(error.reason._tag, "InvalidInput")
      assert.deepStrictEqual(sim.calls(), {})
    }),
  )

  it("assess thresholds: whitelisted, malicious, suspicious, benign, unknown", () => {
    assert.strictEqual(AbuseIpDbSchemas.assess(report(100, 3, true)).verdict, "benign")
    assert.strictEqual(AbuseIpDbSchemas.assess(report(75, 3)).verdict, "malicious")
    assert.strictEqual(AbuseIpDbSchemas.assess(report(74, 3)).verdict, "suspicious")
    assert.strictEqual(AbuseIpDbSchemas.assess(report(25, 3)).verdict, "suspicious")
    assert.strictEqual(AbuseIpDbSchemas.assess(report(24, 3)).verdict, "benign")
    assert.strictEqual(AbuseIpDbSchemas.assess(report(0, 0)).verdict, "unknown")
  })

  it.effect("defaults to the free quota: the 1 001st check of a day waits", () =>
    Effect.gen(function* () {
      RateLimiter.resetShared()
      const sim = yield* Simulator.scoped({ vendors: ["abuseipdb"] })
      const abuse = yield* implementation(sim, { rateLimit: undefined })
      const bucket = RateLimiter.shared("abuseipdb", AbuseIpDbHttp.freeRateLimit)
      // Drain the shared bucket the connector uses, then one real call must wait for a refill.
      for (let i = 0; i < 1_000; i++) yield* bucket.take
      const call = yield* Effect.forkChild(check(abuse, { ip: "203.0.113.7" }))
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
      assert.isUndefined(sim.calls()["GET /abuseipdb/api/v2/check"])
      yield* TestClock.adjust(86_400)
      yield* Fiber.join(call)
      assert.strictEqual(sim.calls()["GET /abuseipdb/api/v2/check"], 1)
    }),
  )
})
