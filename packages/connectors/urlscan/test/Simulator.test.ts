import { assert, describe, it } from "@effect/vitest"
import { type Connector, ConnectorError } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { UrlScan, UrlScanHttp, UrlScanSchemas } from "../src/index.ts"

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "phish",
  step,
  attempt: 1,
})

const implementation = (sim: Simulator.Handle, extra: Partial<UrlScanHttp.Config> = {}) =>
  UrlScan.service.pipe(
    Effect.provide(
      UrlScanHttp.layer({
        apiKey: Redacted.make("urlscan-key"),
        baseUrl: `${sim.urlOf("urlscan")}/api/v1`,
        rateLimit: false,
        ...extra,
      }),
    ),
  )

const run = (impl: Connector.ImplementationShape, action: string, input: unknown, step = action) =>
  (impl.handlers[action] ?? (() => Effect.die(`no ${action}`)))(input, ctx(step))

describe("urlscan.io against the simulator", () => {
  it.live("submits privately by default, then reads and assesses the result", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["urlscan"] })
      const scan = yield* implementation(sim)
      const submitted = (yield* run(scan, "submitScan", {
        url: "https://evil.example/login?token=victim",
      })) as typeof UrlScan.actions.submitScan.output.Type
      assert.strictEqual(submitted.visibility, "private")
      assert.strictEqual(submitted.url, "https://evil.example/login?token=victim")
      const result = (yield* run(scan, "scanResult", {
        uuid: submitted.uuid,
      })) as typeof UrlScan.actions.scanResult.output.Type
      assert.strictEqual(result.task.url, "http://capitalne.com")
      assert.deepStrictEqual(UrlScan.actions.scanResult.assess?.(result), {
        verdict: "unknown",
        score: 0,
        summary: "urlscan: no verdicts for http://capitalne.com",
      })
      assert.deepStrictEqual(sim.calls(), {
        "POST /urlscan/api/v1/scan": 1,
        "GET /urlscan/api/v1/result/:uuid": 1,
      })
    }),
  )

  it.live("visibility can be chosen per call or per layer", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["urlscan"] })
      const unlisted = yield* implementation(sim, { visibility: "unlisted" })
      const a = (yield* run(unlisted, "submitScan", { url: "https://a.example/" })) as { visibility: string }
      assert.strictEqual(a.visibility, "unlisted")
      const b = (yield* run(unlisted, "submitScan", { url: "https://a.example/", visibility: "public" })) as {
        visibility: string
      }
      assert.strictEqual(b.visibility, "public")
    }),
  )

  it.live("a replayed submission queues a second scan (no vendor dedupe, documented)", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["urlscan"] })
      const scan = yield* implementation(sim)
      yield* run(scan, "submitScan", { url: "https://evil.example/" }, "submit")
      yield* run(scan, "submitScan", { url: "https://evil.example/" }, "submit")
      assert.strictEqual(sim.calls()["POST /urlscan/api/v1/scan"], 2)
      assert.deepStrictEqual(sim.duplicateKeys(), {}, "no Idempotency-Key is sent: urlscan ignores it")
    }),
  )

  it.live("junk input never reaches the vendor", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["urlscan"] })
      const scan = yield* implementation(sim)
      for (const [action, input] of [
        ["submitScan", { url: "file:///etc/passwd" }],
        ["submitScan", { url: "https://a.example/", visibility: "everyone" }],
        ["submitScan", { url: "https://a.example/", tags: ["<script>"] }],
        ["scanResult", { uuid: "../../user/quotas" }],
      ] as const) {
        const error = yield* Effect.flip(run(scan, action, input))
        assert.instanceOf(error, ConnectorError)
        assert.strictEqual(error.reason._tag, "InvalidInput")
      }
      assert.deepStrictEqual(sim.calls(), {})
    }),
  )

  it("assess: malicious, suspicious, benign", () => {
    const base: typeof UrlScanSchemas.Result.Type = {
      task: { uuid: "u", url: "https://x.example", time: "t" },
      page: {},
      verdicts: { overall: { score: 0, malicious: false, hasVerdicts: 1 } },
    }
    assert.strictEqual(UrlScanSchemas.assess(base).verdict, "benign")
    const bad = { ...base, verdicts: { overall: { score: 100, malicious: true, categories: ["phishing"] } } }
    assert.deepStrictEqual(UrlScanSchemas.assess(bad), {
      verdict: "malicious",
      score: 100,
      summary: "urlscan: malicious https://x.example (phishing)",
    })
    const meh = { ...base, verdicts: { overall: { score: 20, malicious: false } } }
    assert.strictEqual(UrlScanSchemas.assess(meh).verdict, "suspicious")
  })
})
