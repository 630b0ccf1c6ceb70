import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Alerts from "../src/Alerts.ts"
import { Builder, normalizeUrl, refang } from "../src/internal/Observables.ts"

describe("observable normalization", () => {
  it("refangs and lower-cases hosts, domains, e-mails and hashes", () => {
    const b = new Builder()
    b.url("hxxps://Bad[.]Example[.]com/Path?q=1")
    b.domain("EVIL(.)Example.ORG.")
    b.email("Alice[@]Contoso.COM")
    b.hash("F809B926576CAB647125A3907EF9265BDB130A0A")
    b.host("WS-01.Corp.Example")
    b.ip("2001:DB8::1")
    assert.deepStrictEqual(
      b.observables.map((o) => [o.type, o.value]),
      [
        ["url", "https://bad.example.com/Path?q=1"],
        ["domain", "evil.example.org"],
        ["email", "alice@contoso.com"],
        ["sha1", "f809b926576cab647125a3907ef9265bdb130a0a"],
        ["host", "ws-01.corp.example"],
        ["ipv6", "2001:db8::1"],
      ],
    )
    // raw keeps what the vendor sent
    assert.strictEqual(b.observables[0]!.raw, "hxxps://Bad[.]Example[.]com/Path?q=1")
  })

  it("ignores placeholders and malformed values instead of emitting wrong observables", () => {
    const b = new Builder()
    b.hash("SHA256")
    b.ip("xxx.xxx.x.x")
    b.email("not-an-email")
    b.url("javascript-ish text")
    assert.deepStrictEqual(b.observables, [])
    assert.strictEqual(refang("1.2.3[.]4"), "1.2.3.4")
    assert.isUndefined(normalizeUrl("no scheme.example"))
  })

  it("an IP given as a host name is an IP, not a host", () => {
    const b = new Builder()
    b.host("10.0.0.1")
    assert.deepStrictEqual(
      b.observables.map((o) => o.type),
      ["ipv4"],
    )
    assert.deepStrictEqual(b.entities().hosts, [])
  })
})

describe("errors keep the raw alert", () => {
  it.effect("unknown shape", () =>
    Effect.gen(function* () {
      const raw = { hello: "world" }
      const e = yield* Effect.flip(Alerts.detect(raw))
      assert.strictEqual(e._tag, "AlertError")
      assert.strictEqual(e.reason._tag, "UnknownShape")
      assert.strictEqual(e.raw, raw)
    }),
  )

  it.effect("invalid: a recognised shape missing a required field reports its path", () =>
    Effect.gen(function* () {
      const raw = [
        { uuid: "1", eventType: "user.session.start", published: "2024-01-01T00:00:00Z" },
        { uuid: "2", eventType: "user.session.start", published: "not a time" },
      ]
      const e = yield* Effect.flip(Alerts.detect(raw))
      assert.strictEqual(e.vendor, "okta")
      assert.strictEqual(e.reason._tag, "Invalid")
      if (e.reason._tag === "Invalid") assert.deepStrictEqual(e.reason.path, [1, "published"])
      assert.strictEqual(e.raw, raw)
    }),
  )

  it.effect("a named vendor rejects another vendor's shape", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(
        Alerts.normalize("crowdstrike", { uuid: "1", eventType: "x", published: "2024" }),
      )
      assert.strictEqual(e.reason._tag, "Invalid")
    }),
  )
})

describe("dedup keys", () => {
  it.effect("are stable across redeliveries and key order, and differ by vendor id", () =>
    Effect.gen(function* () {
      const notable = { _time: "2024-01-01T00:00:00Z", rule_name: "R", dest: "h1", index: "notable" }
      const reordered = { index: "notable", dest: "h1", rule_name: "R", _time: "2024-01-01T00:00:00Z" }
      const [a] = yield* Alerts.normalize("splunk", notable)
      const [b] = yield* Alerts.normalize("splunk", reordered)
      const [c] = yield* Alerts.normalize("splunk", { ...notable, dest: "h2" })
      assert.strictEqual(a!.dedupKey, b!.dedupKey)
      assert.notStrictEqual(a!.dedupKey, c!.dedupKey)
    }),
  )
})

describe("other real shapes", () => {
  it.effect("CrowdStrike detection with device and behaviors", () =>
    Effect.gen(function* () {
      const [a] = yield* Alerts.detect({
        resources: [
          {
            detection_id: "ldt:abc:123",
            created_timestamp: "2024-03-01T10:00:00Z",
            max_severity_displayname: "High",
            device: {
              device_id: "abc",
              hostname: "WIN-SRV1",
              local_ip: "10.0.0.5",
              external_ip: "198.51.100.7",
            },
            behaviors: [
              {
                display_name: "CredentialDumping",
                technique_id: "T1003",
                tactic: "Credential Access",
                sha256: "A".repeat(64),
                filepath: "\\Device\\HarddiskVolume2\\Windows\\Temp\\mimi.exe",
                cmdline: "mimi.exe sekurlsa::logonpasswords",
                user_name: "svc_backup",
              },
            ],
          },
        ],
      })
      assert.strictEqual(a!.severity, "high")
      assert.strictEqual(a!.title, "CredentialDumping")
      assert.deepStrictEqual(a!.techniques, ["T1003"])
      assert.deepStrictEqual(a!.entities.hosts, [
        { name: "win-srv1", uid: "abc", ips: ["10.0.0.5", "198.51.100.7"] },
      ])
      assert.deepStrictEqual(
        a!.observables.filter((o) => o.type === "sha256").map((o) => o.value),
        ["a".repeat(64)],
      )
    }),
  )

  it.effect("Splunk webhook alert action payload", () =>
    Effect.gen(function* () {
      const [a] = yield* Alerts.detect({
        sid: "scheduler__admin__search__RMD5_at_1700000000_1",
        search_name: "Brute force",
        app: "search",
        result: { _time: "1700000000", src_ip: "203.0.113.50", user: "bob", count: "57" },
      })
      assert.strictEqual(a!.rule.name, "Brute force")
      assert.strictEqual(a!.time, "2023-11-14T22:13:20.000Z")
      assert.deepStrictEqual(
        a!.observables.map((o) => o.value),
        ["203.0.113.50", "bob"],
      )
    }),
  )
})
