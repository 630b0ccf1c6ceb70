import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Email, Quarantine } from "../src/index.ts"
import { read } from "./corpus.ts"
import { simple } from "./mime.ts"

describe("analyzeOrQuarantine", () => {
  it.effect("a message over a limit is quarantined: record by sha256, raw bytes by reference", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-01-02T03:04:05.000Z"))
      const q = Quarantine.memory()
      const raw = Buffer.from(simple("y".repeat(2000)))
      const outcome = yield* Email.analyzeOrQuarantine(raw, {
        store: q.store,
        quarantine: q.quarantine,
        limits: { maxBytes: 500 },
      })
      const sha256 = createHash("sha256").update(raw).digest("hex")
      const expected = {
        sha256,
        size: raw.length,
        reason: { _tag: "TooLarge" as const, size: raw.length, limit: 500 },
        receivedAt: "2026-01-02T03:04:05.000Z",
        rawRef: `mem:${sha256}`,
      }
      assert.deepStrictEqual(outcome, { _tag: "Quarantined", record: expected })
      assert.deepStrictEqual(q.records, [expected])
      assert.deepStrictEqual(Buffer.from(q.get(expected.rawRef)!), raw)
      // The record is journal-safe data.
      assert.deepStrictEqual(
        Schema.decodeUnknownSync(Quarantine.QuarantineRecord)(JSON.parse(JSON.stringify(expected))),
        expected,
      )
    }),
  )

  it.live("an analysable message is not quarantined", () =>
    Effect.gen(function* () {
      const q = Quarantine.memory()
      const outcome = yield* Email.analyzeOrQuarantine(read("phishing", "sample-240.eml"), {
        store: q.store,
        quarantine: q.quarantine,
      })
      assert.strictEqual(outcome._tag, "Analyzed")
      assert.strictEqual(q.records.length, 0)
    }),
  )

  it.live("a timeout is quarantined with its reason", () =>
    Effect.gen(function* () {
      const q = Quarantine.memory()
      const outcome = yield* Email.analyzeOrQuarantine(read("phishing", "sample-53.eml"), {
        store: q.store,
        quarantine: q.quarantine,
        limits: { timeoutMs: 1 },
      })
      assert.strictEqual(outcome._tag, "Quarantined")
      assert.deepStrictEqual(q.records[0]?.reason, { _tag: "Timeout", timeoutMs: 1 })
    }),
  )

  it.effect("the caller's quarantine failure is propagated, typed", () =>
    Effect.gen(function* () {
      const q = Quarantine.memory()
      const error = yield* Email.analyzeOrQuarantine("x".repeat(100), {
        store: q.store,
        quarantine: () => Effect.fail("store down" as const),
        limits: { maxBytes: 10 },
      }).pipe(Effect.flip)
      assert.strictEqual(error, "store down")
    }),
  )
})
