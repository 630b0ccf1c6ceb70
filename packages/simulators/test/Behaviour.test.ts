import { assert, describe, expect, it } from "@effect/vitest"
import { Simulator } from "../src/index.ts"
import { call } from "./helpers.ts"

/** A deterministic random source cycling through `values`. */
const sequence = (values: ReadonlyArray<number>) => {
  let i = 0
  return () => values[i++ % values.length] ?? 0
}

describe("simulator behaviour", () => {
  it("applies latency within [min, max]", async () => {
    const sim = await Simulator.start({ vendors: ["abuseipdb"], latency: { minMillis: 40, maxMillis: 60 } })
    try {
      const started = performance.now()
      const res = await call(`${sim.urlOf("abuseipdb")}/api/v2/check?ipAddress=1.2.3.4`)
      const elapsed = performance.now() - started
      assert.strictEqual(res.status, 200)
      assert.isTrue(elapsed >= 39, `elapsed ${elapsed}`)
      assert.isTrue(elapsed < 1000, `elapsed ${elapsed}`)
    } finally {
      await sim.close()
    }
  })

  it("fails the configured fraction of calls with 503 + Retry-After, without applying them", async () => {
    // random() is drawn once per call for the failure decision: 0.1 < 0.5 fails, 0.9 passes.
    const sim = await Simulator.start({ vendors: ["okta"], failureRate: 0.5, random: sequence([0.1, 0.9]) })
    try {
      const url = `${sim.urlOf("okta")}/api/v1/users/00usfdd3eO3sfObs54x6/lifecycle/suspend`
      const first = await call(url, { method: "POST", headers: { "idempotency-key": "k1" } })
      assert.strictEqual(first.status, 503)
      assert.strictEqual(first.headers.get("retry-after"), "1")
      assert.strictEqual(
        sim.okta.user("00usfdd3eO3sfObs54x6")?.status,
        "ACTIVE",
        "a failed call changes nothing",
      )
      const second = await call(url, { method: "POST", headers: { "idempotency-key": "k1" } })
      assert.strictEqual(second.status, 200)
      assert.strictEqual(sim.okta.user("00usfdd3eO3sfObs54x6")?.status, "SUSPENDED")
      assert.deepStrictEqual(sim.duplicateKeys(), {}, "the retry after a failure is not a duplicate")
    } finally {
      await sim.close()
    }
  })

  it("a statistical failure rate is close to the configured one", async () => {
    const sim = await Simulator.start({ vendors: ["abuseipdb"], failureRate: 0.3 })
    try {
      let failures = 0
      for (let i = 0; i < 200; i++) {
        if ((await call(`${sim.urlOf("abuseipdb")}/api/v2/check?ipAddress=1.2.3.4`)).status === 503)
          failures++
      }
      assert.isTrue(failures > 30 && failures < 95, `failures ${failures}/200`)
    } finally {
      await sim.close()
    }
  })

  it("counts calls per method and route, and reset() clears them", async () => {
    const sim = await Simulator.start({ vendors: ["virustotal"] })
    try {
      const vt = `${sim.urlOf("virustotal")}/api/v3`
      await call(`${vt}/files/a`)
      await call(`${vt}/files/b`)
      await call(`${vt}/domains/example.com`)
      await call(`${vt}/urls`, { form: { url: "https://x.example" } })
      assert.deepStrictEqual(sim.calls(), {
        "GET /virustotal/api/v3/files/:id": 2,
        "GET /virustotal/api/v3/domains/:domain": 1,
        "POST /virustotal/api/v3/urls": 1,
      })
      sim.reset()
      assert.deepStrictEqual(sim.calls(), {})
    } finally {
      await sim.close()
    }
  })

  it("applies a repeated Idempotency-Key once and counts the duplicates", async () => {
    const sim = await Simulator.start({ vendors: ["jira"] })
    try {
      const jira = `${sim.urlOf("jira")}/rest/api/3/issue`
      const create = () =>
        call(jira, {
          json: { fields: { project: { key: "SEC" }, summary: "x" } },
          headers: { "idempotency-key": "run-1/step-2" },
        })
      const a = await create()
      const b = await create()
      const c = await create()
      assert.deepStrictEqual(b.json, a.json, "the replay answers like the first call")
      assert.deepStrictEqual(c.json, a.json)
      assert.isDefined(sim.jira.issue(a.json.key))
      assert.isUndefined(sim.jira.issue("SEC-2"), "only one issue was created")
      assert.deepStrictEqual(sim.duplicateKeys(), { "jira:run-1/step-2": 2 })
      const other = await call(jira, {
        json: { fields: { project: { key: "SEC" }, summary: "y" } },
        headers: { "idempotency-key": "run-1/step-3" },
      })
      assert.strictEqual(other.json.key, "SEC-2")
      assert.strictEqual(
        sim.calls()["POST /jira/rest/api/3/issue"],
        4,
        "duplicates are still counted as calls",
      )
    } finally {
      await sim.close()
    }
  })

  it("Graph mail: search by internetMessageId across mailboxes, purge to quarantine, undo, delete", async () => {
    const sim = await Simulator.start({ vendors: ["graph"] })
    try {
      const graph = `${sim.urlOf("graph")}/v1.0`
      const phish = "<phish-123@evil.example>"
      sim.mail.seed("alice@corp.example", [
        { internetMessageId: phish, subject: "Invoice" },
        { internetMessageId: "<ok@corp>" },
      ])
      sim.mail.seed("bob@corp.example", [{ internetMessageId: phish, subject: "Invoice" }])
      const users = (await call(`${graph}/users`)).json.value.map(
        (u: { userPrincipalName: string }) => u.userPrincipalName,
      )
      assert.deepStrictEqual(users.sort(), ["alice@corp.example", "bob@corp.example"])
      const filter = encodeURIComponent(`internetMessageId eq '${phish}'`)
      const hits: Array<{ user: string; id: string }> = []
      for (const user of users) {
        const found = await call(`${graph}/users/${user}/messages?$filter=${filter}`)
        for (const m of found.json.value) {
          assert.strictEqual(m.internetMessageId, phish)
          assert.strictEqual(m.subject, "Invoice")
          assert.strictEqual(m.body.contentType, "text", "recorded Graph message shape")
          hits.push({ user, id: m.id })
        }
      }
      assert.strictEqual(hits.length, 2)

      const moved: Array<{ user: string; id: string }> = []
      for (const hit of hits) {
        const res = await call(`${graph}/users/${hit.user}/messages/${hit.id}/move`, {
          json: { destinationId: "quarantine" },
        })
        assert.strictEqual(res.status, 201)
        assert.notStrictEqual(res.json.id, hit.id, "Graph gives a moved message a new id")
        moved.push({ user: hit.user, id: res.json.id })
      }
      assert.deepStrictEqual(
        sim.mail.mailbox("alice@corp.example").map((m) => m.parentFolderId),
        ["quarantine", "inbox"],
      )
      const quarantined = await call(`${graph}/users/bob@corp.example/mailFolders/quarantine/messages`)
      assert.strictEqual(quarantined.json.value.length, 1)
      // the old id is gone
      assert.strictEqual(
        (
          await call(`${graph}/users/${hits[0]?.user}/messages/${hits[0]?.id}/move`, {
            json: { destinationId: "inbox" },
          })
        ).status,
        404,
      )

      // undo: move back with the id returned by the purge
      const back = await call(`${graph}/users/${moved[0]?.user}/messages/${moved[0]?.id}/move`, {
        json: { destinationId: "inbox" },
      })
      assert.strictEqual(back.status, 201)
      assert.deepStrictEqual(
        sim.mail.mailbox("alice@corp.example").map((m) => m.parentFolderId),
        ["inbox", "inbox"],
      )

      const del = await call(`${graph}/users/${moved[1]?.user}/messages/${moved[1]?.id}`, {
        method: "DELETE",
      })
      assert.strictEqual(del.status, 204)
      assert.deepStrictEqual(
        sim.mail.mailbox("bob@corp.example").map((m) => m.parentFolderId),
        ["deleteditems"],
      )
    } finally {
      await sim.close()
    }
  })

  it("Okta: suspend / unsuspend / clear sessions change user state; invalid transitions are 400", async () => {
    const sim = await Simulator.start({ vendors: ["okta"] })
    try {
      sim.okta.seed([{ id: "00u1", login: "alice@corp.example", sessions: 3 }])
      const users = `${sim.urlOf("okta")}/api/v1/users`
      assert.strictEqual((await call(`${users}/00u1/lifecycle/suspend`, { method: "POST" })).status, 200)
      assert.strictEqual((await call(`${users}/00u1`)).json.status, "SUSPENDED")
      const again = await call(`${users}/00u1/lifecycle/suspend`, { method: "POST" })
      assert.strictEqual(again.status, 400)
      assert.strictEqual(again.json.errorCode, "E0000001")
      assert.strictEqual((await call(`${users}/00u1/lifecycle/unsuspend`, { method: "POST" })).status, 200)
      assert.strictEqual(sim.okta.user("00u1")?.status, "ACTIVE")
      assert.strictEqual((await call(`${users}/00u1/sessions`, { method: "DELETE" })).status, 204)
      assert.strictEqual(sim.okta.user("00u1")?.sessions, 0)
      const user = (await call(`${users}/alice@corp.example`)).json
      assert.strictEqual(user.profile.login, "alice@corp.example")
      assert.strictEqual(user.type.id, "otyc04qb2rUDcq2YA4x6", "recorded Okta user shape")
      assert.strictEqual((await call(`${users}/00uNOPE`)).json.errorCode, "E0000007")
    } finally {
      await sim.close()
    }
  })

  it("Falcon: contain / lift containment change host state; detections are listed", async () => {
    const sim = await Simulator.start({ vendors: ["falcon"] })
    try {
      const falcon = sim.urlOf("falcon")
      sim.falcon.seed([{ id: "h1", hostname: "WS-1" }])
      const token = await call(`${falcon}/oauth2/token`, { form: { client_id: "id", client_secret: "s" } })
      assert.strictEqual(token.json.token_type, "bearer")
      const contain = await call(`${falcon}/devices/entities/devices-actions/v2?action_name=contain`, {
        json: { ids: ["h1"] },
      })
      assert.strictEqual(contain.status, 202)
      assert.deepStrictEqual(contain.json.resources, [
        { id: "h1", path: "/devices/entities/devices/v1?ids=h1" },
      ])
      assert.strictEqual(sim.falcon.host("h1")?.status, "contained")
      const devices = await call(`${falcon}/devices/entities/devices/v2?ids=h1`)
      assert.strictEqual(devices.json.resources[0].status, "contained")
      await call(`${falcon}/devices/entities/devices-actions/v2?action_name=lift_containment`, {
        json: { ids: ["h1"] },
      })
      assert.strictEqual(sim.falcon.host("h1")?.status, "normal")
      const unknown = await call(`${falcon}/devices/entities/devices-actions/v2?action_name=contain`, {
        json: { ids: ["nope"] },
      })
      assert.strictEqual(unknown.status, 404)
      sim.falcon.seedDetections([
        { id: "ldt:h1:7", deviceId: "h1", severity: "Critical", tactic: "Execution" },
      ])
      const ids = (await call(`${falcon}/detects/queries/detects/v1`)).json.resources
      assert.deepStrictEqual(ids, ["ldt:h1:7"])
      const summaries = await call(`${falcon}/detects/entities/summaries/GET/v1`, { json: { ids } })
      assert.strictEqual(summaries.json.resources[0].device.hostname, "WS-1")
    } finally {
      await sim.close()
    }
  })

  it("EDL: add with TTL, list as text, expire, remove", async () => {
    let now = 1_000_000
    const sim = await Simulator.start({ vendors: ["edl"], now: () => now })
    try {
      const edl = sim.urlOf("edl")
      assert.strictEqual(
        (await call(`${edl}/edl/entries`, { json: { value: "203.0.113.7", ttlSeconds: 60 } })).status,
        201,
      )
      assert.strictEqual((await call(`${edl}/edl/entries`, { json: { value: "evil.example" } })).status, 201)
      assert.strictEqual((await call(`${edl}/edl/entries`, { json: { value: "has space" } })).status, 400)
      const list = await call(`${edl}/edl/list`)
      assert.strictEqual(list.headers.get("content-type"), "text/plain; charset=utf-8")
      assert.strictEqual(list.text, "203.0.113.7\nevil.example\n")
      now += 61_000
      assert.strictEqual((await call(`${edl}/edl/list`)).text, "evil.example\n")
      assert.strictEqual((await call(`${edl}/edl/entries/evil.example`, { method: "DELETE" })).status, 204)
      assert.strictEqual((await call(`${edl}/edl/list`)).text, "")
      assert.strictEqual((await call(`${edl}/edl/entries/evil.example`, { method: "DELETE" })).status, 404)
    } finally {
      await sim.close()
    }
  })
})

describe("seeded VirusTotal reputations", () => {
  it("answers the seeded verdict for URLs (by VirusTotal's URL id), domains and hashes; others get the recording", async () => {
    const sim = await Simulator.start({ vendors: ["virustotal"] })
    try {
      sim.reputation.set("https://ok.example/", "benign")
      sim.reputation.set("evil.example", "malicious")
      const get = async (path: string) => {
        const res = await fetch(`${sim.urlOf("virustotal")}/api/v3/${path}`)
        return (
          (await res.json()) as { data: { attributes: { last_analysis_stats: { malicious: number } } } }
        ).data.attributes.last_analysis_stats.malicious
      }
      expect(await get(`urls/${Buffer.from("https://ok.example/").toString("base64url")}`)).toBe(0)
      expect(await get("domains/evil.example")).toBe(12)
      // Unseeded: the recorded fixture's counts.
      expect(await get("domains/other.example")).toBe(8)
    } finally {
      await sim.close()
    }
  })
})
