import { assert, describe, it } from "@effect/vitest"
import { ConnectorError, type ConnectorErrorReason, NotFound, RateLimited, ServerError } from "@riposte/core"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { ConnectorRetry } from "../src/index.ts"

const err = (reason: ConnectorErrorReason) => new ConnectorError({ connector: "c", action: "a", reason })

/** An effect that fails with the given errors in turn, then succeeds; records attempt times. */
const flaky = (errors: ReadonlyArray<ConnectorError>, times: Array<number>) => {
  let i = 0
  return Effect.suspend(() => {
    times.push(Date.now())
    const e = errors[i++]
    return e === undefined ? Effect.succeed("done") : Effect.fail(e)
  })
}

describe("ConnectorRetry", () => {
  it.effect("waits at least Retry-After before retrying a RateLimited call", () =>
    Effect.gen(function* () {
      const attempts: Array<number> = []
      const fiber = yield* Effect.forkChild(
        ConnectorRetry.withRetry(flaky([err(new RateLimited({ retryAfterMillis: 5_000 }))], attempts), {
          times: 3,
          base: 100,
          max: 1_000,
        }),
      )
      yield* TestClock.adjust(4_999)
      assert.strictEqual(attempts.length, 1, "no retry before Retry-After elapses")
      yield* TestClock.adjust(1)
      assert.strictEqual(yield* Fiber.join(fiber), "done")
      assert.strictEqual(attempts.length, 2)
    }),
  )

  it.effect("backs off exponentially, capped at max, and gives up after `times` retries", () =>
    Effect.gen(function* () {
      const attempts: Array<number> = []
      const errors = Array.from({ length: 10 }, () => err(new ServerError({ status: 503 })))
      const fiber = yield* Effect.forkChild(
        Effect.flip(ConnectorRetry.withRetry(flaky(errors, attempts), { times: 4, base: 1_000, max: 3_000 })),
      )
      // Jitter is ±20%: delays are ~1000, ~2000, then capped at 3000, 3000.
      yield* TestClock.adjust(790)
      assert.strictEqual(attempts.length, 1)
      yield* TestClock.adjust(500) // t=1290 ≥ 1200: 2nd attempt done
      assert.strictEqual(attempts.length, 2)
      yield* TestClock.adjust(20_000)
      const final = yield* Fiber.join(fiber)
      assert.strictEqual(attempts.length, 5, "1 attempt + 4 retries")
      assert.strictEqual(final.reason._tag, "ServerError")
    }),
  )

  it.effect("never delays more than max (+Retry-After) even after many attempts", () =>
    Effect.gen(function* () {
      const attempts: Array<number> = []
      const errors = Array.from({ length: 8 }, () => err(new ServerError({ status: 500 })))
      const fiber = yield* Effect.forkChild(
        ConnectorRetry.withRetry(flaky(errors, attempts), { times: 8, base: 500, max: 2_000 }),
      )
      // 8 retries, each ≤ 2000 ms: all done by 16 000 ms.
      yield* TestClock.adjust(16_000)
      assert.strictEqual(yield* Fiber.join(fiber), "done")
      assert.strictEqual(attempts.length, 9)
    }),
  )

  it.effect("does not retry non-retryable reasons", () =>
    Effect.gen(function* () {
      const attempts: Array<number> = []
      const error = yield* Effect.flip(
        ConnectorRetry.withRetry(flaky([err(new NotFound()), err(new NotFound())], attempts), {
          times: 5,
          base: 10,
          max: 10,
        }),
      )
      assert.strictEqual(error.reason._tag, "NotFound")
      assert.strictEqual(attempts.length, 1)
    }),
  )
})
