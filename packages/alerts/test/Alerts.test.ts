import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Alert, Vendor } from "../src/Alert.ts"
import * as Alerts from "../src/Alerts.ts"
import * as Corpus from "./Corpus.ts"

const values = (a: Alert, type: string) => a.observables.filter((o) => o.type === type).map((o) => o.value)

// The Graph test-case file wraps each real-shaped alert as `test_case_N.mock_response`.
const graphCases = (): ReadonlyArray<unknown> => {
  const file = Corpus.json("microsoft-defender-xdr/graph_security_alert_details_testcases.json") as Record<
    string,
    { mock_response: unknown }
  >
  return Object.values(file).map((c) => c.mock_response)
}

// How each corpus file is consumed: as alerts (sniffed) or as entity context.
const alertFiles = [
  "crowdstrike/entities_behaviors_response.json",
  "google-secops/sample_udm_events.json",
  "microsoft-defender-for-cloud/GetAlertSubscriptionLocation_example.json",
  "microsoft-defender-for-cloud/GetAlertsSubscription_example.json",
  "microsoft-defender-xdr/graph_security_incident_single.json",
  "microsoft-sentinel/GetAllIncidentAlerts.json",
  "microsoft-sentinel/GetIncidentById.json",
  "okta/system_log_events.json",
  "splunk/notable_event_root_su.json",
  "splunk/notable_events_recurring_malware.json",
]
const entityFiles = {
  "google-secops/sample_entities.json": "google-secops",
  "microsoft-sentinel/GetAllIncidentEntities.json": "sentinel",
} as const
const wrappedFiles = ["microsoft-defender-xdr/graph_security_alert_details_testcases.json"]

describe("corpus coverage", () => {
  it("every corpus file is covered by these tests", () => {
    assert.deepStrictEqual(
      Corpus.allFiles(),
      [...alertFiles, ...Object.keys(entityFiles), ...wrappedFiles].sort(),
    )
  })

  it.effect("every alert file normalizes via detect, with the expected vendor and count", () =>
    Effect.gen(function* () {
      const expected: Record<string, [string, number]> = {
        "crowdstrike/entities_behaviors_response.json": ["crowdstrike", 1],
        "google-secops/sample_udm_events.json": ["google-secops", 1],
        "microsoft-defender-for-cloud/GetAlertSubscriptionLocation_example.json": ["defender-for-cloud", 1],
        "microsoft-defender-for-cloud/GetAlertsSubscription_example.json": ["defender-for-cloud", 2],
        "microsoft-defender-xdr/graph_security_incident_single.json": ["graph-security", 1],
        "microsoft-sentinel/GetAllIncidentAlerts.json": ["sentinel", 1],
        "microsoft-sentinel/GetIncidentById.json": ["sentinel", 1],
        "okta/system_log_events.json": ["okta", 2],
        "splunk/notable_event_root_su.json": ["splunk", 1],
        "splunk/notable_events_recurring_malware.json": ["splunk", 2],
      }
      for (const file of alertFiles) {
        const raw = Corpus.json(file)
        const alerts = yield* Alerts.detect(raw)
        const [vendor, count] = expected[file]!
        assert.strictEqual(alerts.length, count, file)
        for (const a of alerts) {
          assert.strictEqual(a.source, vendor, file)
          assert.match(a.dedupKey, /^[0-9a-f]{64}$/)
          assert.ok(!Number.isNaN(Date.parse(a.time)))
        }
        // Explicit vendor gives the same result as sniffing.
        assert.deepStrictEqual(yield* Alerts.normalize(vendor as Vendor, raw), alerts)
      }
    }),
  )

  it.effect("entity files are entity context, not alerts", () =>
    Effect.gen(function* () {
      for (const [file, vendor] of Object.entries(entityFiles)) {
        const raw = Corpus.json(file)
        const err = yield* Effect.flip(Alerts.detect(raw))
        assert.strictEqual(err.reason._tag, "UnknownShape")
        assert.strictEqual(err.raw, raw)
        const ctx = yield* Alerts.entities(vendor, raw)
        assert.ok(ctx.entities.users.length > 0, file)
      }
    }),
  )
})

describe("Splunk ES notables", () => {
  it.effect("root su notable", () =>
    Effect.gen(function* () {
      const raw = Corpus.json("splunk/notable_event_root_su.json")
      const [a] = yield* Alerts.normalize("splunk", raw)
      assert.strictEqual(a!.title, "Root user use")
      assert.strictEqual(a!.rule.name, "Identity - Root sucess - Rule")
      assert.strictEqual(a!.severity, "informational")
      assert.strictEqual(a!.severityId, 1)
      assert.strictEqual(a!.time, "2024-06-05T09:15:24.000Z")
      assert.strictEqual(
        a!.id,
        "5E6DE97D-B137-47AB-8905-8C4F42998937@@notable@@e4f07602f507975e9f7ba47c4ae0c417",
      )
      assert.strictEqual(a!.description, "user=root AND (action=success OR action=failure)")
      assert.include(values(a!, "user"), "root")
      assert.include(
        a!.entities.users.map((u) => u.name),
        "root",
      )
      assert.strictEqual(a!.raw, raw)
    }),
  )

  it.effect("recurring malware: two notables, offsets converted to UTC, distinct content ids", () =>
    Effect.gen(function* () {
      const [a, b] = yield* Alerts.normalize(
        "splunk",
        Corpus.json("splunk/notable_events_recurring_malware.json"),
      )
      assert.strictEqual(a!.title, "Endpoint - Recurring Malware Infection - Rule")
      assert.strictEqual(a!.severity, "low") // ES urgency wins over severity "unknown"
      assert.strictEqual(a!.time, "2020-08-24T19:10:17.000Z") // 12:10:17-07:00
      assert.strictEqual(b!.time, "2020-08-24T20:30:17.000Z")
      assert.deepStrictEqual(values(a!, "host"), ["acme-workstation-012"])
      assert.deepStrictEqual(values(a!, "ipv4"), ["192.168.3.12"])
      assert.deepStrictEqual(a!.entities.hosts, [{ name: "acme-workstation-012", ips: ["192.168.3.12"] }])
      // No event_id in these results: the id is a content hash, different per event.
      assert.match(a!.id, /^sha256:[0-9a-f]{64}$/)
      assert.notStrictEqual(a!.dedupKey, b!.dedupKey)
    }),
  )
})

describe("Microsoft Sentinel", () => {
  it.effect("incident (API-example envelope unwrapped)", () =>
    Effect.gen(function* () {
      const [a] = yield* Alerts.detect(Corpus.json("microsoft-sentinel/GetIncidentById.json"))
      assert.strictEqual(a!.id, "73e01a99-5cd7-4139-a149-9f2736ff2ab5")
      assert.strictEqual(a!.title, "My incident")
      assert.strictEqual(a!.description, "This is a demo incident")
      assert.strictEqual(a!.severity, "high")
      assert.strictEqual(a!.severityId, 4)
      assert.strictEqual(a!.time, "2019-01-01T13:15:30.000Z")
      assert.deepStrictEqual(a!.tactics, ["InitialAccess", "Persistence"])
      assert.match(a!.rule.uid!, /alertRules\/fab3d2d4-747f-46a7-8ef0-9c0be8112bf7$/)
      assert.deepStrictEqual(a!.vendor, { product: "Microsoft Sentinel", name: "Microsoft" })
    }),
  )

  it.effect("incident alert", () =>
    Effect.gen(function* () {
      const [a] = yield* Alerts.detect(Corpus.json("microsoft-sentinel/GetAllIncidentAlerts.json"))
      assert.strictEqual(a!.id, "baa8a239-6fde-4ab7-a093-d09f7b75c58c")
      assert.strictEqual(a!.title, "myAlert")
      assert.strictEqual(a!.severity, "low")
      assert.strictEqual(a!.time, "2020-07-20T18:21:53.615Z")
      assert.deepStrictEqual(a!.vendor, { product: "Azure Security Center", name: "Microsoft" })
    }),
  )

  it.effect("incident entities: standalone and as relatedEntities of an automation trigger", () =>
    Effect.gen(function* () {
      const entities = Corpus.json("microsoft-sentinel/GetAllIncidentEntities.json") as {
        responses: { 200: { body: { entities: Array<unknown> } } }
      }
      const ctx = yield* Alerts.entities("sentinel", entities)
      assert.deepStrictEqual(ctx.entities.users, [{ name: "administrator", domain: "domain" }])
      const incident = (
        Corpus.json("microsoft-sentinel/GetIncidentById.json") as { responses: { 200: { body: any } } }
      ).responses[200].body
      const trigger = {
        object: {
          ...incident,
          properties: { ...incident.properties, relatedEntities: entities.responses[200].body.entities },
        },
      }
      const [a] = yield* Alerts.detect(trigger)
      assert.strictEqual(a!.title, "My incident")
      assert.deepStrictEqual(values(a!, "user"), ["administrator"])
      assert.strictEqual(a!.raw, trigger)
    }),
  )
})

describe("Microsoft Defender for Cloud", () => {
  it.effect("single EICAR alert: IP entity with geo, techniques, compromised host", () =>
    Effect.gen(function* () {
      const [a] = yield* Alerts.detect(
        Corpus.json("microsoft-defender-for-cloud/GetAlertSubscriptionLocation_example.json"),
      )
      assert.strictEqual(a!.title, "Azure Security Center test alert (not a threat)")
      assert.strictEqual(a!.severity, "high")
      assert.strictEqual(a!.time, "2020-02-23T13:47:58.000Z")
      assert.strictEqual(a!.rule.name, "VM_EICAR")
      assert.deepStrictEqual(values(a!, "ipv4"), ["192.0.2.1"])
      assert.deepStrictEqual(a!.entities.ips, [{ address: "192.0.2.1", country: "gb", city: "sonning" }])
      assert.deepStrictEqual(values(a!, "host"), ["vm1"])
      assert.deepStrictEqual(a!.techniques, [
        "T1059",
        "T1053",
        "T1072",
        "T1059.001",
        "T1059.006",
        "T1053.002",
      ])
      assert.deepStrictEqual(a!.tactics, ["Execution"])
    }),
  )

  it.effect("list: screensaver alert with host, account, files and processes", () =>
    Effect.gen(function* () {
      const [first, b] = yield* Alerts.detect(
        Corpus.json("microsoft-defender-for-cloud/GetAlertsSubscription_example.json"),
      )
      const single = yield* Alerts.detect(
        Corpus.json("microsoft-defender-for-cloud/GetAlertSubscriptionLocation_example.json"),
      )
      // The same alert fetched alone or in a list has the same dedup key.
      assert.strictEqual(first!.dedupKey, single[0]!.dedupKey)
      assert.notStrictEqual(first!.dedupKey, b!.dedupKey) // despite a shared systemAlertId
      assert.strictEqual(b!.title, "Suspicious Screensaver process executed")
      assert.strictEqual(b!.severity, "medium")
      assert.strictEqual(b!.time, "2019-05-07T13:51:48.381Z")
      assert.include(b!.description!, "‘c:\\users\\contosoUser\\scrsave.scr’")
      assert.deepStrictEqual(values(b!, "host"), ["vm2"])
      assert.deepStrictEqual(b!.entities.users, [
        { name: "contosoUser", domain: "vm2", uid: "S-1-5-21-2144575486-8928446540-5163864319-500" },
      ])
      assert.deepStrictEqual(values(b!, "filename"), ["cmd.exe", "scrsave.scr"])
      assert.include(values(b!, "file_path"), "c:\\users\\contosoUser\\scrsave.scr")
      assert.deepStrictEqual(values(b!, "command_line"), ["c:\\users\\contosoUser\\scrsave.scr"])
      assert.deepStrictEqual(
        b!.entities.processes.map((p) => p.pid),
        ["0x3c44", "0x4aec"],
      )
    }),
  )
})

describe("Microsoft Graph security", () => {
  it.effect("incident", () =>
    Effect.gen(function* () {
      const [a] = yield* Alerts.detect(
        Corpus.json("microsoft-defender-xdr/graph_security_incident_single.json"),
      )
      assert.strictEqual(a!.id, "incident:12345")
      assert.strictEqual(a!.title, "Exfiltration incident involving multiple users")
      assert.strictEqual(a!.severity, "medium")
      assert.strictEqual(a!.time, "2024-02-07T09:22:33.690Z")
      assert.isUndefined(a!.description) // null upstream
      assert.deepStrictEqual(a!.vendor, { product: "Microsoft Defender XDR", name: "Microsoft" })
    }),
  )

  it.effect("legacy v1 alert: file hash and host states", () =>
    Effect.gen(function* () {
      const [v1a, v1b, v2] = graphCases()
      const [a] = yield* Alerts.detect(v1a)
      assert.strictEqual(a!.title, "An active 'Wintapp' backdoor was detected")
      assert.strictEqual(a!.severity, "medium")
      assert.strictEqual(a!.time, "2020-04-16T01:24:13.057Z")
      assert.deepStrictEqual(a!.vendor, { product: "Microsoft Defender ATP", name: "Microsoft" })
      assert.deepStrictEqual(values(a!, "sha1"), ["f809b926576cab647125a3907ef9265bdb130a0a"])
      assert.deepStrictEqual(values(a!, "host"), ["desktop-s2455r8"])
      assert.deepStrictEqual(a!.entities.hosts, [
        { name: "desktop-s2455r8", ips: ["127.0.0.1"], os: "Windows10" },
      ])
      const [b] = yield* Alerts.detect(v1b)
      assert.strictEqual(b!.dedupKey, a!.dedupKey)
      const [c] = yield* Alerts.detect(v2)
      assert.strictEqual(c!.id, "alert_id")
      assert.strictEqual(c!.title, "Automated")
      assert.strictEqual(c!.severity, "informational")
      assert.strictEqual(c!.rule.uid, "aaa")
      assert.strictEqual(c!.vendor.product, "microsoftDefenderForEndpoint")
      assert.strictEqual(c!.time, "2022-10-16T01:48:05.865Z")
    }),
  )

  it.effect("alerts_v2 evidence becomes observables (shape from the Graph docs)", () =>
    Effect.gen(function* () {
      const v2 = graphCases()[2] as Record<string, unknown>
      const [a] = yield* Alerts.detect({
        ...v2,
        mitreTechniques: ["T1566.001"],
        evidence: [
          {
            "@odata.type": "#microsoft.graph.security.ipEvidence",
            ipAddress: "203.0.113.9",
            countryLetterCode: "NL",
          },
          { "@odata.type": "#microsoft.graph.security.urlEvidence", url: "hxxps://Evil[.]Example/Login" },
          {
            "@odata.type": "#microsoft.graph.security.deviceEvidence",
            deviceDnsName: "LAPTOP-7.Corp.Example",
            mdeDeviceId: "abc",
            ipInterfaces: ["10.1.2.3"],
          },
        ],
      })
      assert.deepStrictEqual(values(a!, "url"), ["https://evil.example/Login"])
      assert.deepStrictEqual(values(a!, "host"), ["laptop-7.corp.example"])
      assert.deepStrictEqual(values(a!, "ipv4"), ["203.0.113.9", "10.1.2.3"])
      assert.deepStrictEqual(a!.techniques, ["T1566.001"])
    }),
  )
})

describe("CrowdStrike", () => {
  it.effect("behavior: technique, user, process; placeholder hash not emitted", () =>
    Effect.gen(function* () {
      const [a] = yield* Alerts.detect(Corpus.json("crowdstrike/entities_behaviors_response.json"))
      assert.strictEqual(a!.id, "ind:XX:XX")
      assert.strictEqual(a!.title, "UserTokenImpersonation")
      assert.strictEqual(a!.severity, "unknown")
      assert.strictEqual(a!.time, "2023-12-06T14:44:40.668Z")
      assert.deepStrictEqual(a!.rule, { name: "UserTokenImpersonation", uid: "364" })
      assert.deepStrictEqual(a!.techniques, ["T1134"])
      assert.deepStrictEqual(a!.tactics, ["Privilege Escalation"])
      assert.deepStrictEqual(a!.entities.users, [{ name: "admin", domain: "DOMAIN" }])
      assert.deepStrictEqual(a!.entities.hosts, [{ uid: "AID", ips: [] }])
      assert.deepStrictEqual(values(a!, "process"), ["ServerManagerLauncher.exe"])
      assert.deepStrictEqual(values(a!, "command_line"), [
        '"C:\\Windows\\system32\\ServerManagerLauncher.exe"',
      ])
      assert.deepStrictEqual(values(a!, "sha256"), []) // the corpus has the placeholder "SHA256"
    }),
  )
})

describe("Google SecOps", () => {
  it.effect("UDM USER_LOGIN event", () =>
    Effect.gen(function* () {
      const [a] = yield* Alerts.detect(Corpus.json("google-secops/sample_udm_events.json"))
      assert.strictEqual(a!.title, "USER_LOGIN")
      assert.strictEqual(a!.time, "2021-07-14T15:30:18.142Z")
      assert.strictEqual(a!.severity, "unknown")
      assert.deepStrictEqual(values(a!, "host"), ["userhost", "systemhost"])
      assert.deepStrictEqual(values(a!, "ipv4"), ["10.0.0.75", "10.0.0.77"])
      assert.deepStrictEqual(values(a!, "mac"), ["28:80:23:0b:c9:b2", "28:80:23:0b:c9:b3"])
      assert.deepStrictEqual(a!.entities.users, [{ name: "employee" }])
      assert.deepStrictEqual(a!.entities.hosts, [
        { name: "userhost", ips: ["10.0.0.75"] },
        { name: "systemhost", ips: ["10.0.0.77"] },
      ])
    }),
  )

  it.effect("entity context", () =>
    Effect.gen(function* () {
      const ctx = yield* Alerts.entities("google-secops", Corpus.json("google-secops/sample_entities.json"))
      assert.deepStrictEqual(ctx.entities.users, [
        { name: "employee", uid: "doejohn" },
        { name: "employee1", uid: "doejohn1" },
      ])
    }),
  )
})

describe("Okta System Log", () => {
  it.effect("two group-membership events with one uuid share a dedup key", () =>
    Effect.gen(function* () {
      const [a, b] = yield* Alerts.detect(Corpus.json("okta/system_log_events.json"))
      assert.strictEqual(a!.title, "Remove user from group membership")
      assert.strictEqual(a!.rule.name, "group.user_membership.remove")
      assert.strictEqual(a!.severity, "informational")
      assert.strictEqual(a!.time, "2021-12-13T01:47:08.556Z")
      assert.deepStrictEqual(values(a!, "ipv4"), ["8.8.8.8"])
      assert.deepStrictEqual(a!.entities.ips, [
        { address: "8.8.8.8", country: "United States", city: "Boardman" },
      ])
      assert.deepStrictEqual(
        a!.entities.users.map((u) => [u.name, u.displayName]),
        [
          ["example", "dummy name"],
          ["test.com", "test this"],
        ],
      )
      assert.strictEqual(a!.dedupKey, b!.dedupKey) // both carry uuid "123"
    }),
  )
})
