import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { RateLimiter } from "../src/index.ts"

describe("RateLimiter", () => {
  it.effect("allows a burst of tokensPerInterval, then one token per interval/tokens", () =>
    Effect.gen(function* () {
      const bucket = RateLimiter.make({ tokensPerInterval: 3, intervalMillis: 3_000 })
      let done = 0
      const fiber = yield* Effect.forkChild(
        Effect.forEach(
          Array.from({ length: 5 }),
          () =>
            Effect.andThen(
              bucket.take,
              Effect.sync(() => void done++),
            ),
          { discard: true },
        ),
      )
      yield* TestClock.adjust(0)
      assert.strictEqual(done, 3, "burst")
      yield* TestClock.adjust(999)
      assert.strictEqual(done, 3)
      yield* TestClock.adjust(1)
      assert.strictEqual(done, 4)
      yield* TestClock.adjust(1_000)
      assert.strictEqual(done, 5)
      yield* Fiber.join(fiber)
    }),
  )

  it.effect("concurrent waiters are served in order without overspending", () =>
    Effect.gen(function* () {
      const bucket = RateLimiter.make({ tokensPerInterval: 1, intervalMillis: 1_000 })
      const order: Array<number> = []
      const fibers = yield* Effect.forEach([0, 1, 2], (i) =>
        Effect.forkChild(
          Effect.andThen(
            bucket.take,
            Effect.sync(() => void order.push(i)),
          ),
        ),
      )
      yield* TestClock.adjust(0)
      assert.deepStrictEqual(order, [0])
      yield* TestClock.adjust(1_000)
      assert.deepStrictEqual(order, [0, 1])
      yield* TestClock.adjust(1_000)
      assert.deepStrictEqual(order, [0, 1, 2])
      yield* Effect.forEach(fibers, Fiber.join)
      assert.isTrue((yield* bucket.available) < 1)
    }),
  )

  it("shares a bucket per connector and settings", () => {
    RateLimiter.resetShared()
    const settings = { tokensPerInterval: 4, intervalMillis: 60_000 }
    assert.strictEqual(RateLimiter.shared("vt", settings), RateLimiter.shared("vt", { ...settings }))
    assert.notStrictEqual(RateLimiter.shared("vt", settings), RateLimiter.shared("okta", settings))
    assert.notStrictEqual(
      RateLimiter.shared("vt", settings),
      RateLimiter.shared("vt", { ...settings, tokensPerInterval: 5 }),
    )
    assert.throws(() => RateLimiter.make({ tokensPerInterval: 0, intervalMillis: 1 }))
  })
})
