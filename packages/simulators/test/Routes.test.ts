import { readFileSync } from "node:fs"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Simulator } from "../src/index.ts"
import { call } from "./helpers.ts"

const recorded = (path: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8"))

describe("simulator routes answer with their recorded shapes", () => {
  let sim: Simulator.Handle
  beforeAll(async () => {
    sim = await Simulator.startAll()
  })
  afterAll(() => sim.close())

  it("VirusTotal v3", async () => {
    const vt = `${sim.urlOf("virustotal")}/api/v3`
    const file = await call(`${vt}/files/44d88612fea8a8f36de82e1278abb02f`)
    assert.strictEqual(file.status, 200)
    const recordedFile = recorded("virustotal/private_file.json")
    assert.strictEqual(file.json.data.id, "44d88612fea8a8f36de82e1278abb02f")
    assert.deepStrictEqual(file.json.data.attributes, recordedFile.data.attributes)
    const url = await call(`${vt}/urls/abc`)
    assert.strictEqual(Object.keys(url.json.data.attributes.last_analysis_results).length, 92)
    const domain = await call(`${vt}/domains/example.com`)
    assert.deepStrictEqual(domain.json.data.attributes, recorded("virustotal/domain.json").data.attributes)
    const ip = await call(`${vt}/ip_addresses/203.0.113.7`)
    assert.strictEqual(ip.json.data.type, "ip_address")
    assert.strictEqual(typeof ip.json.data.attributes.last_analysis_stats.malicious, "number")
    const submitted = await call(`${vt}/urls`, { form: { url: "https://evil.example/x" } })
    assert.strictEqual(submitted.json.data.type, "analysis")
    assert.match(submitted.json.data.id, /^u-[0-9a-f]{64}-\d+$/)
    const missing = await call(`${vt}/files/${Simulator.unknownIndicator}`)
    assert.strictEqual(missing.status, 404)
    assert.strictEqual(missing.json.error.code, "NotFoundError")
  })

  it("urlscan, URLhaus, AbuseIPDB", async () => {
    const scan = await call(`${sim.urlOf("urlscan")}/api/v1/scan/`, { json: { url: "https://evil.example" } })
    assert.strictEqual(scan.json.message, "Submission successful")
    const result = await call(`${sim.urlOf("urlscan")}/api/v1/result/${scan.json.uuid}/`)
    assert.deepStrictEqual(result.json, recorded("urlscan/result_capitalne.json"))
    const url = await call(`${sim.urlOf("urlhaus")}/v1/url/`, { form: { url: "http://sskymedia.com/x" } })
    assert.deepStrictEqual(url.json, recorded("urlhaus/url_command.json"))
    const host = await call(`${sim.urlOf("urlhaus")}/v1/host/`, { form: { host: "example.com" } })
    assert.deepStrictEqual(host.json, recorded("urlhaus/domain_command.json"))
    const none = await call(`${sim.urlOf("urlhaus")}/v1/host/`, {
      form: { host: Simulator.unknownIndicator },
    })
    assert.strictEqual(none.json.query_status, "no_results")
    const abuse = await call(`${sim.urlOf("abuseipdb")}/api/v2/check?ipAddress=203.0.113.7`)
    assert.strictEqual(abuse.json.data.ipAddress, "203.0.113.7")
    assert.strictEqual(abuse.json.data.abuseConfidenceScore, 87)
    assert.strictEqual((await call(`${sim.urlOf("abuseipdb")}/api/v2/check`)).status, 422)
  })

  it("MISP restSearch, add attribute, add sighting", async () => {
    const misp = sim.urlOf("misp")
    const search = await call(`${misp}/attributes/restSearch`, { json: { value: "bar.exe" } })
    const attribute = search.json.response.Attribute[0]
    assert.strictEqual(attribute.value, "bar.exe")
    assert.strictEqual(attribute.category, "Payload delivery")
    const added = await call(`${misp}/attributes/add/12`, { json: { type: "ip-dst", value: "203.0.113.7" } })
    assert.strictEqual(added.json.Attribute.event_id, "12")
    assert.strictEqual(added.json.Attribute.value, "203.0.113.7")
    const sighting = await call(`${misp}/sightings/add`, { json: { value: "203.0.113.7" } })
    assert.strictEqual(sighting.json.Sighting.value, "203.0.113.7")
    assert.strictEqual(sighting.json.Sighting.timestamp, "11111111")
  })

  it("Slack, Jira, TheHive", async () => {
    const slack = await call(`${sim.urlOf("slack")}/api/chat.postMessage`, {
      json: { channel: "C123", text: "contained" },
      headers: { authorization: "Bearer xoxb" },
    })
    assert.isTrue(slack.json.ok)
    assert.strictEqual(slack.json.message.text, "contained")
    const jira = `${sim.urlOf("jira")}/rest/api/3/issue`
    const issue = await call(jira, { json: { fields: { project: { key: "SEC" }, summary: "phish" } } })
    assert.strictEqual(issue.status, 201)
    const comment = await call(`${jira}/${issue.json.key}/comment`, { json: { body: "note" } })
    assert.strictEqual(comment.json.renderedBody, recorded("jira/create_comment_response.json").renderedBody)
    assert.strictEqual(
      (await call(`${jira}/${issue.json.key}/transitions`, { json: { transition: { id: "31" } } })).status,
      204,
    )
    assert.deepStrictEqual(sim.jira.issue(issue.json.key), { status: "Done", comments: 1 })
    assert.strictEqual((await call(`${jira}/SEC-999/comment`, { json: { body: "x" } })).status, 404)
    const hive = `${sim.urlOf("thehive")}/api/v1`
    const kase = await call(`${hive}/case`, { json: { title: "phish", description: "d" } })
    assert.strictEqual(kase.json._type, "Case")
    assert.match(kase.json._id, /^~\d+$/)
    assert.strictEqual(kase.json.tlp, 2)
    const alert = await call(`${hive}/alert`, {
      json: { title: "a", type: "email", source: "riposte", sourceRef: "1" },
    })
    assert.strictEqual(alert.json._type, "Alert")
    const obs = await call(`${hive}/alert/${alert.json._id}/observable`, {
      json: { dataType: "ip", data: "203.0.113.7" },
    })
    assert.strictEqual(obs.json[0]._type, "Observable")
    assert.strictEqual(
      (await call(`${hive}/case/~1/observable`, { json: { dataType: "ip", data: "x" } })).status,
      404,
    )
  })

  it("unknown paths are 404 and counted as unmatched", async () => {
    const res = await call(`${sim.url}/nope/x`)
    assert.strictEqual(res.status, 404)
    assert.strictEqual(sim.calls()["GET <unmatched>"], 1)
  })
})
