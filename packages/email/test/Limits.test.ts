import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Email, EmailError, Limits } from "../src/index.ts"
import { read } from "./corpus.ts"
import { deepMessages, deepMultipart, manyParts, simple, withAttachment } from "./mime.ts"

/** Runs Email.parse and returns the failure reason (fails the test on success). */
const reasonOf = (raw: Uint8Array | string, limits: Partial<Limits.Limits>) =>
  Email.parse(raw, limits).pipe(
    Effect.flip,
    Effect.map((e) => {
      assert.instanceOf(e, EmailError.EmailError)
      return e.reason
    }),
  )

describe("limits", () => {
  it.live("TooLarge: raw bytes over maxBytes (checked before any worker starts)", () =>
    Effect.gen(function* () {
      const raw = simple("x".repeat(5000))
      const reason = yield* reasonOf(raw, { maxBytes: 1000 })
      assert.deepStrictEqual(reason, { _tag: "TooLarge", size: Buffer.byteLength(raw), limit: 1000 })
    }),
  )

  it.live("TooManyParts: 50 parts against maxParts 10; 50 parts pass the default", () =>
    Effect.gen(function* () {
      const reason = yield* reasonOf(manyParts(50), { maxParts: 10 })
      assert.deepStrictEqual(reason, { _tag: "TooManyParts", count: 51, limit: 10 })
      const ok = yield* Email.parse(manyParts(50))
      assert.strictEqual(ok.text?.includes("part 49"), true)
    }),
  )

  it.live("TooDeep (multipart): 12 nested multiparts against maxDepth 5", () =>
    Effect.gen(function* () {
      const reason = yield* reasonOf(deepMultipart(12), { maxDepth: 5 })
      assert.deepStrictEqual(reason, { _tag: "TooDeep", kind: "multipart", limit: 5 })
      const ok = yield* Email.parse(deepMultipart(4), { maxDepth: 5 })
      assert.include(ok.text ?? "", "innermost")
    }),
  )

  it.live("TooDeep (message): 3 nested message/rfc822 against maxMessageDepth 2", () =>
    Effect.gen(function* () {
      const reason = yield* reasonOf(deepMessages(3), { maxMessageDepth: 2 })
      assert.deepStrictEqual(reason, { _tag: "TooDeep", kind: "message", limit: 2 })
      const ok = yield* Email.parse(deepMessages(2), { maxMessageDepth: 2 })
      assert.strictEqual(ok.nested[0]?.nested[0]?.subject, "test")
    }),
  )

  it.live("HeadersTooLarge: a 4 KB header against maxHeaderBytes 1024", () =>
    Effect.gen(function* () {
      const reason = yield* reasonOf(simple("body", `X-Junk: ${"a".repeat(4096)}\r\n`), {
        maxHeaderBytes: 1024,
      })
      assert.deepStrictEqual(reason, { _tag: "HeadersTooLarge", limit: 1024 })
    }),
  )

  it.live("AttachmentTooLarge: 10,000 decoded bytes against maxAttachmentBytes 4096", () =>
    Effect.gen(function* () {
      const reason = yield* reasonOf(withAttachment(10_000, "big.bin"), { maxAttachmentBytes: 4096 })
      assert.deepStrictEqual(reason, {
        _tag: "AttachmentTooLarge",
        filename: "big.bin",
        size: 10_000,
        limit: 4096,
      })
    }),
  )

  it.live("TooManyUrls: 20 distinct URLs against maxUrls 10", () =>
    Effect.gen(function* () {
      const body = Array.from({ length: 20 }, (_, i) => `https://evil${i}.example/path`).join("\n")
      const reason = yield* reasonOf(simple(body), { maxUrls: 10 })
      assert.deepStrictEqual(reason, { _tag: "TooManyUrls", count: 11, limit: 10 })
      const ok = yield* Email.parse(simple(body), { maxUrls: 20 })
      assert.strictEqual(ok.urls.length, 20)
    }),
  )

  it.live("Timeout: the wall-clock bound terminates a worker that has not answered", () =>
    Effect.gen(function* () {
      // ~6 MB of distinct URLs: parsing takes far longer than 30 ms.
      const body = Array.from({ length: 120_000 }, (_, i) => `https://h${i}.example.com/p`).join("\n")
      const started = Date.now()
      const reason = yield* reasonOf(simple(body), { timeoutMs: 30, maxUrls: 1_000_000 })
      assert.deepStrictEqual(reason, { _tag: "Timeout", timeoutMs: 30 })
      assert.isBelow(Date.now() - started, 2_000)
    }),
  )

  it.live("WorkerCrashed: a worker out of heap is reported, not propagated", () =>
    Effect.gen(function* () {
      const body = Array.from({ length: 200_000 }, (_, i) => `https://h${i}.example.com/p`).join("\n")
      const reason = yield* reasonOf(simple(body), { maxHeapMb: 8, maxUrls: 1_000_000 })
      assert.strictEqual(reason._tag, "WorkerCrashed")
    }),
  )

  it.live("a real sample succeeds under the defaults and fails fast with a 1 ms budget", () =>
    Effect.gen(function* () {
      const raw = read("phishing", "sample-53.eml")
      const ok = yield* Email.parse(raw)
      assert.strictEqual(ok.attachments.length, 1)
      const reason = yield* reasonOf(raw, { timeoutMs: 1 })
      assert.strictEqual(reason._tag, "Timeout")
    }),
  )

  it.effect("invalid limits are defects, never silently ignored", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Email.parse("x", { maxBytes: Number.NaN }))
      assert.isTrue(Exit.hasDies(exit))
      assert.throws(() => Limits.make({ maxParts: -1 }), RangeError)
      assert.strictEqual(Limits.make({ maxParts: 3 }).maxParts, 3)
      assert.strictEqual(Limits.make().maxBytes, 25 * 1024 * 1024)
    }),
  )
})
