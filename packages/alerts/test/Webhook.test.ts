import { createHmac, randomUUID } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import type { Alert } from "../src/Alert.ts"
import * as AlertInbox from "../src/AlertInbox.ts"
import * as Webhook from "../src/Webhook.ts"
import * as Corpus from "./Corpus.ts"
import { Pg, reachable } from "./Postgres.ts"

const secret = Redacted.make("s3cr3t-webhook-key")
const hmacHex = (body: string, ts?: number) =>
  createHmac("sha256", "s3cr3t-webhook-key")
    .update(ts === undefined ? body : `${ts}.${body}`)
    .digest("hex")

const oktaEvent = JSON.stringify((Corpus.json("okta/system_log_events.json") as Array<unknown>)[0])

const serve = (options: Webhook.Options) =>
  Effect.gen(function* () {
    const handle = yield* Webhook.handler(options)
    const server = createServer(Webhook.toNodeListener(handle))
    yield* Effect.acquireRelease(
      Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))),
      () =>
        Effect.promise(
          () =>
            new Promise<void>((resolve) => {
              server.closeAllConnections()
              server.close(() => resolve())
            }),
        ),
    )
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`
  })

const post = (url: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const res = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit)
    return { status: res.status, body: (await res.json()) as Record<string, any> }
  })

const inbox = AlertInbox.AlertInbox

describe.skipIf(!reachable)("Webhook with the SQL inbox on Postgres", () => {
  it.live("202 only once the row is committed; duplicates and rejections land in the tables", () =>
    Effect.gen(function* () {
      const url = yield* serve({ secret })
      const sql = yield* SqlClient.SqlClient
      const body = JSON.stringify({
        uuid: `pg-${randomUUID()}`,
        eventType: "user.account.lock",
        published: "2024-05-01T10:00:00Z",
        severity: "WARN",
        displayMessage: "Max sign in attempts exceeded",
        client: { ipAddress: "198.51.100.23" },
      })
      const headers = { "x-riposte-signature": `sha256=${hmacHex(body)}` }
      const first = yield* post(url, body, headers)
      assert.strictEqual(first.status, 202)
      const rows = yield* sql<{ alert_id: string; severity: string }>`SELECT alert_id, severity
        FROM riposte_alert_inbox WHERE dedup_key = ${first.body.dedupKey}`
      assert.deepStrictEqual(rows, [{ alert_id: first.body.alertId, severity: "medium" }])
      const second = yield* post(url, body, headers)
      assert.deepStrictEqual(second.body, { ...first.body, status: "duplicate" })
      const count = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM riposte_alert_inbox
        WHERE dedup_key = ${first.body.dedupKey}`
      assert.strictEqual(Number(count[0]!.n), 1)
      const marker = randomUUID()
      const bad = yield* post(url, JSON.stringify({ marker }), { "x-riposte-signature": "sha256=00" })
      assert.strictEqual(bad.status, 401)
      const q = yield* sql<{ reason: string; body: string }>`SELECT reason, body FROM riposte_alert_quarantine
        WHERE id = ${bad.body.quarantineId}`
      assert.deepStrictEqual(q, [{ reason: "BadSignature", body: JSON.stringify({ marker }) }])
    }).pipe(Effect.provide(AlertInbox.layerSql.pipe(Layer.provideMerge(Pg)))),
  )
})

describe("Webhook over node:http", () => {
  it.effect("valid signed delivery: 202 after the alert is persisted, then onAccepted", () =>
    Effect.gen(function* () {
      const called = yield* Deferred.make<readonly [Alert, AlertInbox.Accepted]>()
      const url = yield* serve({
        secret,
        onAccepted: (alert, accepted) => Deferred.succeed(called, [alert, accepted] as const),
      })
      const res = yield* post(url, oktaEvent, { "x-riposte-signature": `sha256=${hmacHex(oktaEvent)}` })
      assert.strictEqual(res.status, 202)
      assert.strictEqual(res.body.status, "new")
      // Already in the inbox when the 202 arrived.
      const rows = yield* inbox.use((i) => i.list)
      assert.strictEqual(rows.length, 1)
      assert.strictEqual(rows[0]!.alertId, res.body.alertId)
      assert.strictEqual(rows[0]!.dedupKey, res.body.dedupKey)
      assert.strictEqual(rows[0]!.alert.title, "Remove user from group membership")
      const [alert, accepted] = yield* Deferred.await(called)
      assert.strictEqual(alert.dedupKey, res.body.dedupKey)
      assert.deepStrictEqual(accepted, { status: "new", alertId: res.body.alertId })
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("no 202 unless persisted: a failing inbox gives 503 and no onAccepted", () =>
    Effect.gen(function* () {
      let calls = 0
      const url = yield* serve({ secret, onAccepted: () => void calls++ })
      const res = yield* post(url, oktaEvent, { "x-riposte-signature": `sha256=${hmacHex(oktaEvent)}` })
      assert.strictEqual(res.status, 503)
      assert.strictEqual(calls, 0)
    }).pipe(
      Effect.provide(
        Layer.succeed(inbox, {
          accept: () =>
            Effect.fail(new AlertInbox.AlertInboxError({ operation: "accept", detail: "db down" })),
          quarantine: () =>
            Effect.fail(new AlertInbox.AlertInboxError({ operation: "quarantine", detail: "db down" })),
          list: Effect.succeed([]),
          quarantined: Effect.succeed([]),
        }),
      ),
    ),
  )

  it.effect("duplicate delivery: 202 duplicate, same alertId, one inbox row", () =>
    Effect.gen(function* () {
      const url = yield* serve({ secret })
      const headers = { "x-riposte-signature": `sha256=${hmacHex(oktaEvent)}` }
      const first = yield* post(url, oktaEvent, headers)
      const second = yield* post(url, oktaEvent, headers)
      assert.strictEqual(first.body.status, "new")
      assert.strictEqual(second.status, 202)
      assert.deepStrictEqual(second.body, { ...first.body, status: "duplicate" })
      assert.strictEqual((yield* inbox.use((i) => i.list)).length, 1)
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("onAccepted runs for duplicates too (the engine joins the existing run)", () =>
    Effect.gen(function* () {
      const seen = yield* Deferred.make<ReadonlyArray<string>>()
      const statuses: Array<string> = []
      const url = yield* serve({
        secret,
        onAccepted: async (_alert, accepted) => {
          statuses.push(accepted.status)
          if (statuses.length === 2) Deferred.doneUnsafe(seen, Effect.succeed([...statuses]))
          if (statuses.length === 1) throw new Error("a failing callback does not break intake")
        },
      })
      const headers = { "x-riposte-signature": `sha256=${hmacHex(oktaEvent)}` }
      assert.strictEqual((yield* post(url, oktaEvent, headers)).status, 202)
      assert.strictEqual((yield* post(url, oktaEvent, headers)).status, 202)
      assert.deepStrictEqual(yield* Deferred.await(seen), ["new", "duplicate"])
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("multi-alert payload: one entry per alert", () =>
    Effect.gen(function* () {
      const url = yield* serve({ secret })
      const body = Corpus.text("microsoft-defender-for-cloud/GetAlertsSubscription_example.json")
      const res = yield* post(url, body, { "x-riposte-signature": `sha256=${hmacHex(body)}` })
      assert.strictEqual(res.status, 202)
      assert.strictEqual(res.body.alerts.length, 2)
      assert.strictEqual((yield* inbox.use((i) => i.list)).length, 2)
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("bad or missing signature: 401 and quarantined", () =>
    Effect.gen(function* () {
      const url = yield* serve({ secret })
      const wrong = createHmac("sha256", "other-key").update(oktaEvent).digest("hex")
      const bad = yield* post(url, oktaEvent, { "x-riposte-signature": `sha256=${wrong}` })
      const missing = yield* post(url, oktaEvent)
      const garbage = yield* post(url, oktaEvent, { "x-riposte-signature": "sha256=zz" })
      assert.deepStrictEqual([bad.status, missing.status, garbage.status], [401, 401, 401])
      const q = yield* inbox.use((i) => i.quarantined)
      assert.deepStrictEqual(
        q.map((r) => r.reason),
        ["BadSignature", "MissingSignature", "BadSignature"],
      )
      assert.strictEqual(q[0]!.body, oktaEvent)
      assert.strictEqual(q[0]!.headers["x-riposte-signature"], `sha256=${wrong}`)
      assert.strictEqual(bad.body.quarantineId, q[0]!.id)
      assert.strictEqual((yield* inbox.use((i) => i.list)).length, 0)
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("timestamp: replay window of 5 minutes, timestamp covered by the signature", () =>
    Effect.gen(function* () {
      const now = 1_700_000_000
      yield* TestClock.setTime(now * 1000)
      const url = yield* serve({ secret, timestamp: { header: "x-riposte-timestamp" } })
      const send = (ts: number, signedTs = ts) =>
        post(url, oktaEvent, {
          "x-riposte-timestamp": String(ts),
          "x-riposte-signature": `sha256=${hmacHex(oktaEvent, signedTs)}`,
        })
      assert.strictEqual((yield* send(now - 301)).status, 401)
      assert.strictEqual((yield* send(now + 301)).status, 401)
      assert.strictEqual((yield* send(now - 1, now - 2)).status, 401) // header changed after signing
      assert.strictEqual(
        (yield* post(url, oktaEvent, { "x-riposte-signature": `sha256=${hmacHex(oktaEvent)}` })).status,
        401,
      )
      assert.strictEqual((yield* send(now - 299)).status, 202)
      const q = yield* inbox.use((i) => i.quarantined)
      assert.deepStrictEqual(
        q.map((r) => r.reason),
        ["StaleTimestamp", "StaleTimestamp", "BadSignature", "StaleTimestamp"],
      )
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("configurable header and base64 format without prefix", () =>
    Effect.gen(function* () {
      const url = yield* serve({
        secret,
        signature: { header: "X-Signature", encoding: "base64", prefix: "" },
      })
      const sig = createHmac("sha256", "s3cr3t-webhook-key").update(oktaEvent).digest("base64")
      assert.strictEqual((yield* post(url, oktaEvent, { "x-signature": sig })).status, 202)
      assert.strictEqual(Webhook.sign({ secret, body: oktaEvent, encoding: "base64", prefix: "" }), sig)
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("malformed JSON: 400 and quarantined with the body", () =>
    Effect.gen(function* () {
      const url = yield* serve({ secret })
      const body = '{"uuid": "1", "eventType": '
      const res = yield* post(url, body, { "x-riposte-signature": `sha256=${hmacHex(body)}` })
      assert.strictEqual(res.status, 400)
      const [q] = yield* inbox.use((i) => i.quarantined)
      assert.strictEqual(q!.reason, "MalformedJson")
      assert.strictEqual(q!.body, body)
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("oversized body: 413 whether or not Content-Length is sent; quarantined body is capped", () =>
    Effect.gen(function* () {
      const url = yield* serve({ secret, maxBodyBytes: 1024, quarantineBodyBytes: 100 })
      const big = JSON.stringify({ pad: "x".repeat(64 * 1024) })
      const withLength = yield* post(url, big, { "x-riposte-signature": `sha256=${hmacHex(big)}` })
      // Streamed in chunks, no Content-Length header at all.
      const chunks = [big.slice(0, 600), big.slice(600, 1200), big.slice(1200)]
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (const s of chunks) c.enqueue(new TextEncoder().encode(s))
          c.close()
        },
      })
      const streamed = yield* post(url, stream, { "x-riposte-signature": `sha256=${hmacHex(big)}` })
      assert.deepStrictEqual([withLength.status, streamed.status], [413, 413])
      const q = yield* inbox.use((i) => i.quarantined)
      assert.deepStrictEqual(
        q.map((r) => [r.reason, r.body.length]),
        [
          ["TooLarge", 100],
          ["TooLarge", 100],
        ],
      )
      assert.isUndefined(q[1]!.headers["content-length"])
      // The server keeps serving after cutting a body short.
      const small = '{"uuid":"u1","eventType":"user.session.start","published":"2024-01-01T00:00:00Z"}'
      assert.strictEqual(
        (yield* post(url, small, { "x-riposte-signature": `sha256=${hmacHex(small)}` })).status,
        202,
      )
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("prototype-pollution payload: 400 ForbiddenKey, quarantined, Object.prototype untouched", () =>
    Effect.gen(function* () {
      const url = yield* serve({ secret })
      const body =
        '{"uuid":"9","eventType":"x","published":"2024-01-01T00:00:00Z","__proto__":{"polluted":"yes"}}'
      const res = yield* post(url, body, { "x-riposte-signature": `sha256=${hmacHex(body)}` })
      assert.strictEqual(res.status, 400)
      assert.strictEqual(res.body.error, "ForbiddenKey")
      const [q] = yield* inbox.use((i) => i.quarantined)
      assert.strictEqual(q!.reason, "ForbiddenKey")
      assert.isUndefined(({} as any).polluted)
      assert.strictEqual((yield* inbox.use((i) => i.list)).length, 0)
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("unknown shape, empty list, invalid alert: 422 and quarantined", () =>
    Effect.gen(function* () {
      const url = yield* serve({ secret })
      const invalid = '{"uuid":"1","eventType":"user.session.start","published":"yesterday"}'
      for (const body of ['{"hello":"world"}', "[]", invalid]) {
        const res = yield* post(url, body, { "x-riposte-signature": `sha256=${hmacHex(body)}` })
        assert.strictEqual(res.status, 422)
      }
      const q = yield* inbox.use((i) => i.quarantined)
      assert.deepStrictEqual(
        q.map((r) => [r.reason, r.body]),
        [
          ["UnknownShape", '{"hello":"world"}'],
          ["UnknownShape", "[]"],
          ["Invalid", invalid],
        ],
      )
      assert.include(q[2]!.detail, "published")
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )

  it.effect("non-POST is 405", () =>
    Effect.gen(function* () {
      const url = yield* serve({ secret })
      const status = yield* Effect.promise(() => fetch(url).then((r) => r.status))
      assert.strictEqual(status, 405)
    }).pipe(Effect.provide(AlertInbox.layerMemory)),
  )
})
