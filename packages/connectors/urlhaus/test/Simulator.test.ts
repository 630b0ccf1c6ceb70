import { assert, describe, it } from "@effect/vitest"
import { type Connector, ConnectorError } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { UrlHaus, UrlHausHttp } from "../src/index.ts"

const ctx: Connector.CallContext = {
  idempotencyKey: "run-1/urlhaus",
  runId: "run-1",
  playbook: "phish",
  step: "urlhaus",
  attempt: 1,
}

const implementation = (sim: Simulator.Handle) =>
  UrlHaus.service.pipe(
    Effect.provide(
      UrlHausHttp.layer({ authKey: Redacted.make("abusech-key"), baseUrl: `${sim.urlOf("urlhaus")}/v1` }),
    ),
  )

const run = (impl: Connector.ImplementationShape, action: string, input: unknown) =>
  (impl.handlers[action] ?? (() => Effect.die(`no ${action}`)))(input, ctx)

describe("URLhaus against the simulator", () => {
  it.live("url and host lookups decode and assess as verdicts", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["urlhaus"] })
      const haus = yield* implementation(sim)
      const url = (yield* run(haus, "urlLookup", {
        url: "http://sskymedia.com/VMYB-ht_JAQo-gi/",
      })) as typeof UrlHaus.actions.urlLookup.output.Type
      assert.strictEqual(url.threat, "malware_download")
      assert.deepStrictEqual(UrlHaus.actions.urlLookup.assess?.(url), {
        verdict: "malicious",
        summary: "URLhaus: malware_download (online) emotet, epoch2, heodo",
      })
      const host = (yield* run(haus, "hostLookup", {
        host: "Vektorex.com",
      })) as typeof UrlHaus.actions.hostLookup.output.Type
      assert.strictEqual(host.host, "vektorex.com")
      assert.strictEqual(UrlHaus.actions.hostLookup.assess?.(host).verdict, "malicious")
      assert.deepStrictEqual(sim.calls(), { "POST /urlhaus/v1/url": 1, "POST /urlhaus/v1/host": 1 })
    }),
  )

  it.live("unknown indicators answer no_results → unknown, not an error", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["urlhaus"] })
      const haus = yield* implementation(sim)
      const url = (yield* run(haus, "urlLookup", {
        url: `http://${Simulator.unknownIndicator}/x`,
      })) as typeof UrlHaus.actions.urlLookup.output.Type
      assert.deepStrictEqual(UrlHaus.actions.urlLookup.assess?.(url), {
        verdict: "unknown",
        summary: "URLhaus: no_results",
      })
      const host = (yield* run(haus, "hostLookup", {
        host: Simulator.unknownIndicator,
      })) as typeof UrlHaus.actions.hostLookup.output.Type
      assert.strictEqual(UrlHaus.actions.hostLookup.assess?.(host).verdict, "unknown")
    }),
  )

  it.live("junk input never reaches the vendor", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["urlhaus"] })
      const haus = yield* implementation(sim)
      for (const [action, input] of [
        ["urlLookup", { url: "javascript:alert(1)" }],
        ["urlLookup", { url: `http://x/${"a".repeat(3000)}` }],
        ["hostLookup", { host: "evil.example/../admin" }],
        ["hostLookup", { host: "a b.example" }],
      ] as const) {
        const error = yield* Effect.flip(run(haus, action, input))
        assert.instanceOf(error, ConnectorError)
        assert.strictEqual(error.reason._tag, "InvalidInput")
      }
      assert.deepStrictEqual(sim.calls(), {})
    }),
  )

  it("assessHost: only offline URLs → suspicious", () => {
    const verdict = UrlHaus.actions.hostLookup.assess?.({
      query_status: "ok",
      host: "old.example",
      urls: [{ url: "http://old.example/a.exe", url_status: "offline" }],
    })
    assert.deepStrictEqual(verdict, {
      verdict: "suspicious",
      summary: "URLhaus: 1 URLs on old.example, 0 online",
    })
  })
})
