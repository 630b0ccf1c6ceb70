// One behavioural suite for every AlertInbox backend (memory, SQL over Postgres, …).
import { randomUUID } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import type { Alert } from "../src/Alert.ts"
import { AlertInbox } from "../src/AlertInbox.ts"

export const sampleAlert = (overrides: Partial<Alert> = {}): Alert => {
  const id = randomUUID()
  return {
    id,
    time: "2024-01-01T00:00:00.000Z",
    severity: "high",
    severityId: 4,
    title: "Suspicious login",
    rule: { name: "impossible-travel" },
    source: "okta",
    vendor: { product: "Okta System Log", name: "Okta" },
    observables: [{ type: "ipv4", value: "203.0.113.1", raw: "203.0.113.1" }],
    entities: {
      users: [{ name: "alice" }],
      hosts: [],
      ips: [{ address: "203.0.113.1" }],
      files: [],
      processes: [],
    },
    dedupKey: `test-${id}`,
    raw: { uuid: id, nested: { "quote'": 'it\'s "ok"', unicode: "é✓" } },
    ...overrides,
  }
}

export const suite = (name: string, layer: Layer.Layer<AlertInbox, unknown>) =>
  describe(`AlertInbox (${name})`, () => {
    it.effect("accepts a new alert, then reports a redelivery as duplicate with the same id", () =>
      Effect.gen(function* () {
        const inbox = yield* AlertInbox
        const alert = sampleAlert()
        const first = yield* inbox.accept(alert)
        const second = yield* inbox.accept({ ...alert, title: "redelivered" })
        assert.strictEqual(first.status, "new")
        assert.deepStrictEqual(second, { status: "duplicate", alertId: first.alertId })
        const rows = (yield* inbox.list).filter((r) => r.dedupKey === alert.dedupKey)
        assert.strictEqual(rows.length, 1)
        assert.strictEqual(rows[0]!.alertId, first.alertId)
        assert.deepStrictEqual(rows[0]!.alert, alert) // the first delivery, raw JSON included
      }).pipe(Effect.provide(layer)),
    )

    it.effect("concurrent deliveries of one alert produce exactly one new row", () =>
      Effect.gen(function* () {
        const inbox = yield* AlertInbox
        const alert = sampleAlert()
        const results = yield* Effect.all(
          Array.from({ length: 8 }, () => inbox.accept(alert)),
          { concurrency: "unbounded" },
        )
        assert.strictEqual(results.filter((r) => r.status === "new").length, 1)
        assert.strictEqual(new Set(results.map((r) => r.alertId)).size, 1)
        assert.strictEqual((yield* inbox.list).filter((r) => r.dedupKey === alert.dedupKey).length, 1)
      }).pipe(Effect.provide(layer)),
    )

    it.effect("quarantines with reason, detail, body and headers", () =>
      Effect.gen(function* () {
        const inbox = yield* AlertInbox
        const marker = randomUUID()
        const { id } = yield* inbox.quarantine({
          reason: "BadSignature",
          detail: "signature does not match",
          body: `{"marker":"${marker}"}`,
          headers: { "content-type": "application/json", "user-agent": "tester" },
          receivedAt: "2024-01-01T00:00:00.000Z",
        })
        const row = (yield* inbox.quarantined).find((q) => q.id === id)
        assert.deepStrictEqual(row, {
          id,
          reason: "BadSignature",
          detail: "signature does not match",
          body: `{"marker":"${marker}"}`,
          headers: { "content-type": "application/json", "user-agent": "tester" },
          receivedAt: "2024-01-01T00:00:00.000Z",
        })
      }).pipe(Effect.provide(layer)),
    )
  })
