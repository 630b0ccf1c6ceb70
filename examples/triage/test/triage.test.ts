import { assert, describe, it } from "@effect/vitest"
import { Alert } from "@riposte/alerts"
import { CaseStore, CaseStoreMemory, Engine } from "@riposte/core"
import { Effect, Layer, Schema } from "effect"
import { severity } from "../src/Assess.ts"
import { makeTriage } from "../src/playbook.ts"
import { alerts } from "./corpus.ts"
import { mocks } from "./mocks.ts"

const triage = makeTriage({
  assets: { "desktop-s2455r8": "critical", "acme-workstation-012": "low" },
  allowList: [
    {
      name: "defender-eicar-test",
      source: "defender-for-cloud",
      ruleName: "VM_EICAR",
      reason: "Defender for Cloud sample alert generated on demand (EICAR test file), not a threat",
    },
  ],
})

const setup = (m: ReturnType<typeof mocks>) =>
  Engine.layerMemory({ playbooks: [triage] }).pipe(
    Layer.provideMerge(CaseStoreMemory.layer),
    Layer.provide(m.layer),
  )

/** The trigger input is the encoded alert (what a webhook or pull trigger hands over). */
const encode = Schema.encodeSync(Alert.Alert)

const graphAlert = alerts(
  "graph-security",
  "microsoft-defender-xdr/graph_security_alert_details_testcases.json",
  (r) => r.test_case_1.mock_response,
)

describe("triage playbook (in-memory engine, real corpus alerts)", () => {
  it.effect("a known false positive (Defender EICAR test alert) is closed with the allow-list reason", () => {
    const m = mocks({})
    return Effect.gen(function* () {
      const [eicar] = yield* alerts(
        "defender-for-cloud",
        "microsoft-defender-for-cloud/GetAlertsSubscription_example.json",
      )
      assert.strictEqual(eicar!.rule.name, "VM_EICAR")
      const result = yield* (yield* Engine.Engine).run(triage, encode(eicar!))
      assert.strictEqual(result.status, "closed")
      assert.deepStrictEqual(result.path, ["allowed", "known=falsePositive", "close"])
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.strictEqual(view.case.status, "closed")
      assert.strictEqual(view.case.severity, "informational")
      assert.strictEqual(
        view.case.resolution,
        "false positive (allow-list rule 'defender-eicar-test'): Defender for Cloud sample alert generated on demand (EICAR test file), not a threat",
      )
      assert.lengthOf(m.calls, 0, "a known false positive costs no lookup")
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("the other Defender alert of the same file is not allow-listed", () => {
    const m = mocks({})
    return Effect.gen(function* () {
      const [, screensaver] = yield* alerts(
        "defender-for-cloud",
        "microsoft-defender-for-cloud/GetAlertsSubscription_example.json",
      )
      const result = yield* (yield* Engine.Engine).run(triage, encode(screensaver!))
      assert.strictEqual(result.path[1], "known=investigate")
      assert.strictEqual(result.status, "completed")
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect(
    "a malicious hash on a critical asset → critical severity, tier 2; internal IPs not sent out",
    () => {
      const m = mocks({ malicious: ["f809b926576cab647125a3907ef9265bdb130a0a"] })
      return Effect.gen(function* () {
        const [alert] = yield* graphAlert
        const result = yield* (yield* Engine.Engine).run(triage, encode(alert!))
        assert.deepStrictEqual(result.path, [
          "allowed",
          "known=investigate",
          "observables",
          "intel",
          "assessment",
          "queue=tier2",
        ])
        assert.deepStrictEqual(m.calls, [
          { action: "virustotal.fileReport", value: "f809b926576cab647125a3907ef9265bdb130a0a" },
        ])
        const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
        assert.strictEqual(view.case.severity, "critical")
        assert.strictEqual(view.case.assignee, "tier2")
        assert.strictEqual(view.case.status, "triaged")
        const hash = view.observables.find((o) => o.value === "f809b926576cab647125a3907ef9265bdb130a0a")
        assert.strictEqual(hash?.verdict, "malicious")
        assert.isTrue(view.observables.some((o) => o.value === "127.0.0.1"))
        const note = view.notes.map((n) => n.text).join("\n")
        assert.include(note, "asset desktop-s2455r8=critical")
        assert.include(note, "internal addresses not enriched: 127.0.0.1")
        assert.include(note, "virustotal: malicious (12 malicious")
      }).pipe(Effect.provide(setup(m)))
    },
  )

  it.effect(
    "a public IP goes to AbuseIPDB (Okta System Log event); a whitelisted IP is benign, tier 1",
    () => {
      const m = mocks({})
      return Effect.gen(function* () {
        const [event] = yield* alerts("okta", "okta/system_log_events.json")
        const result = yield* (yield* Engine.Engine).run(triage, encode(event!))
        assert.deepStrictEqual(m.calls, [{ action: "abuseipdb.checkIp", value: "8.8.8.8" }])
        const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
        assert.strictEqual(view.observables.find((o) => o.value === "8.8.8.8")?.verdict, "benign")
        assert.strictEqual(view.case.severity, "low")
        assert.strictEqual(view.case.assignee, "tier1")
        assert.isTrue(view.enrichments.some((e) => e.connector === "abuseipdb"))
      }).pipe(Effect.provide(setup(m)))
    },
  )

  it.effect("a failed lookup does not fail the run: the verdict is unknown and the reason is kept", () => {
    const m = mocks({ failing: ["f809b926576cab647125a3907ef9265bdb130a0a"] })
    return Effect.gen(function* () {
      const [alert] = yield* graphAlert
      const result = yield* (yield* Engine.Engine).run(triage, encode(alert!))
      assert.strictEqual(result.status, "completed")
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.include(
        view.notes.map((n) => n.text).join("\n"),
        "virustotal: unknown (lookup failed (Unauthorized))",
      )
      // The vendor said medium; an unknown verdict never lowers it.
      assert.strictEqual(view.case.severity, "medium")
      assert.strictEqual(view.case.assignee, "tier1")
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("the same alert delivered twice joins one run", () => {
    const m = mocks({})
    return Effect.gen(function* () {
      const [a, b] = yield* alerts("splunk", "splunk/notable_events_recurring_malware.json")
      const engine = yield* Engine.Engine
      const first = yield* engine.start(triage, encode(a!))
      const again = yield* engine.start(triage, encode(a!))
      const other = yield* engine.start(triage, encode(b!))
      assert.strictEqual(first.runId, again.runId)
      assert.notStrictEqual(first.runId, other.runId)
    }).pipe(Effect.provide(setup(m)))
  })

  it("severity: verdict × asset criticality, never below the vendor's", () => {
    assert.strictEqual(severity("malicious", "critical", "low"), "critical")
    assert.strictEqual(severity("malicious", "low", "low"), "high")
    assert.strictEqual(severity("suspicious", "high", "informational"), "high")
    assert.strictEqual(severity("suspicious", null, "informational"), "medium")
    assert.strictEqual(severity("benign", "critical", "informational"), "low")
    assert.strictEqual(severity("unknown", null, "high"), "high")
  })
})
