/**
 * The worker pool behind Email.parse: bounded size, reuse, a crash or timeout costs only its own
 * job and worker, interruption terminates the worker, idle workers never keep the process alive.
 * Worker counts come from the pool's counters (`EmailPool.stats`), never from timing.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { Email, type EmailError, EmailPool, type Limits } from "../src/index.ts"
import { simple } from "./mime.ts"

const urls = (n: number) =>
  simple(Array.from({ length: n }, (_, i) => `https://h${i}.example.com/p`).join("\n"))
const good = (i: number) => simple(`message ${i}: https://good${i}.example.org/`)

/** Runs `f` with a fresh scoped pool provided to Email.parse; returns its result and final stats. */
const withPool = <A, E>(
  options: EmailPool.Options,
  f: (pool: EmailPool.EmailPoolShape) => Effect.Effect<A, E>,
): Effect.Effect<readonly [A, EmailPool.Stats], E> =>
  Effect.gen(function* () {
    const pool = yield* EmailPool.make(options)
    const a = yield* f(pool).pipe(Effect.provideService(EmailPool.EmailPool, pool))
    return [a, pool.stats()] as const
  }).pipe(Effect.scoped)

const parseAll = (inputs: ReadonlyArray<string>, limits: Partial<Limits.Limits> = {}) =>
  Effect.forEach(inputs, (raw) => Effect.exit(Email.parse(raw, limits)), { concurrency: "unbounded" })

const reasonOf = <A>(exit: Exit.Exit<A, EmailError.EmailError>) => {
  const error = Exit.findErrorOption(exit)
  assert.isTrue(error._tag === "Some", "expected a failure")
  return error._tag === "Some" ? error.value.reason : undefined
}

/** Polls the pool's counters (real time: the workers are real threads). */
const waitFor = (check: () => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 2_000 && !check(); i++) yield* Effect.sleep("5 millis")
    assert.isTrue(check(), "condition not reached")
  })

describe("EmailPool", () => {
  it.live("N concurrent jobs on a pool of k never run more than k workers, and reuse them", () =>
    Effect.gen(function* () {
      const [exits, stats] = yield* withPool({ size: 2 }, () =>
        parseAll(Array.from({ length: 16 }, (_, i) => good(i))),
      )
      assert.isTrue(exits.every(Exit.isSuccess))
      assert.strictEqual(stats.peakWorkers, 2)
      assert.strictEqual(stats.spawned, 2)
      assert.deepInclude(stats, { busy: 0, queued: 0 })
    }),
  )

  it.live("a worker only serves the maxHeapMb it was created with", () =>
    Effect.gen(function* () {
      const heaps = [64, 64, 128, 128, 64]
      const [exits, stats] = yield* withPool({ size: 1 }, () =>
        Effect.forEach(heaps, (maxHeapMb, i) => Effect.exit(Email.parse(good(i), { maxHeapMb }))),
      )
      assert.isTrue(exits.every(Exit.isSuccess))
      // One worker per change of heap (the idle one is retired to make room), reused otherwise.
      assert.deepInclude(stats, { spawned: 3, peakWorkers: 1 })
    }),
  )

  it.live("mixed maxHeapMb under concurrency still respects the bound", () =>
    Effect.gen(function* () {
      let closed: EmailPool.EmailPoolShape | undefined
      const [exits, stats] = yield* withPool({ size: 2 }, (pool) => {
        closed = pool
        return Effect.forEach(
          Array.from({ length: 12 }, (_, i) => i),
          (i) => Effect.exit(Email.parse(good(i), { maxHeapMb: i % 3 === 0 ? 64 : 128 })),
          { concurrency: "unbounded" },
        )
      })
      assert.isTrue(exits.every(Exit.isSuccess))
      assert.isAtMost(stats.peakWorkers, 2)
      assert.isAtLeast(stats.spawned, 2)
      // Closing the scope terminated every worker.
      assert.strictEqual(closed?.stats().workers, 0)
    }),
  )

  it.live("a worker out of heap fails only its own message; the others and later ones succeed", () =>
    Effect.gen(function* () {
      const limits = { maxHeapMb: 32, maxUrls: 1_000_000 }
      const [[bomb, goods, after], stats] = yield* withPool({ size: 2 }, (pool) =>
        Effect.gen(function* () {
          // Warm both workers first: the crash happens mid-job, not at start-up.
          yield* parseAll([good(0), good(1)], limits)
          const [bomb, ...goods] = yield* parseAll(
            [urls(400_000), ...Array.from({ length: 6 }, (_, i) => good(i))],
            limits,
          )
          // Only the crashed worker is gone: the other one is still alive (no replacement yet).
          yield* waitFor(() => pool.stats().workers === 1)
          assert.deepInclude(pool.stats(), { workers: 1, spawned: 2 })
          const after = yield* parseAll([good(7), good(8), good(9), good(10)], limits)
          return [bomb!, goods, after] as const
        }),
      )
      assert.strictEqual(reasonOf(bomb)?._tag, "WorkerCrashed")
      assert.isTrue(goods.every(Exit.isSuccess))
      assert.isTrue(after.every(Exit.isSuccess))
      assert.strictEqual(stats.peakWorkers, 2)
    }),
  )

  it.live("a timeout terminates only that job's worker; later jobs succeed", () =>
    Effect.gen(function* () {
      const [[slow, goods, after], stats] = yield* withPool({ size: 2 }, (pool) =>
        Effect.gen(function* () {
          yield* parseAll([good(0), good(1)])
          const [slow, goods] = yield* Effect.all(
            [
              Effect.exit(Email.parse(urls(120_000), { timeoutMs: 50, maxUrls: 1_000_000 })),
              parseAll([good(2), good(3), good(4), good(5)]),
            ],
            { concurrency: "unbounded" },
          )
          yield* waitFor(() => pool.stats().workers === 1)
          assert.deepInclude(pool.stats(), { workers: 1, spawned: 2 })
          const after = yield* parseAll([good(6), good(7), good(8)])
          return [slow, goods, after] as const
        }),
      )
      assert.deepStrictEqual(reasonOf(slow), { _tag: "Timeout", timeoutMs: 50 })
      assert.isTrue(goods.every(Exit.isSuccess))
      assert.isTrue(after.every(Exit.isSuccess))
      assert.strictEqual(stats.peakWorkers, 2)
    }),
  )

  it.live("time spent waiting for a worker is not billed to timeoutMs", () =>
    Effect.gen(function* () {
      const [[slow, queued]] = yield* withPool({ size: 1 }, () =>
        Effect.all(
          [
            Effect.exit(Email.parse(urls(60_000), { maxUrls: 1_000_000 })),
            Effect.exit(Email.parse(good(0), { timeoutMs: 200 })),
          ],
          { concurrency: "unbounded" },
        ),
      )
      assert.isTrue(Exit.isSuccess(slow))
      assert.isTrue(Exit.isSuccess(queued))
    }),
  )

  it.live("interrupting the caller drops a queued job and terminates the worker parsing one", () =>
    Effect.gen(function* () {
      const [, stats] = yield* withPool({ size: 1 }, (pool) =>
        Effect.gen(function* () {
          yield* Email.parse(good(0))
          const slow = yield* Effect.forkChild(
            Email.parse(urls(400_000), { timeoutMs: 60_000, maxUrls: 1_000_000 }),
          )
          yield* waitFor(() => pool.stats().busy === 1)
          const queued = yield* Effect.forkChild(Email.parse(good(1)))
          yield* waitFor(() => pool.stats().queued === 1)
          yield* Fiber.interrupt(queued)
          assert.deepInclude(pool.stats(), { queued: 0, busy: 1, workers: 1 })
          yield* Fiber.interrupt(slow)
          // The interruption waited for the worker to exit: nothing parses the abandoned message.
          assert.deepInclude(pool.stats(), { workers: 0, busy: 0 })
          yield* Email.parse(good(2))
        }),
      )
      assert.strictEqual(stats.spawned, 2)
    }),
  )

  it.live("the caller's bytes are copied, never transferred", () =>
    Effect.gen(function* () {
      const raw = new Uint8Array(Buffer.from(good(0)))
      const view = new Uint8Array(64 * 1024).fill(0x20)
      view.set(raw)
      const parsed = yield* Email.parse(view.subarray(0, raw.length))
      assert.strictEqual(raw.byteLength, Buffer.byteLength(good(0)))
      assert.strictEqual(view.buffer.byteLength, 64 * 1024)
      assert.strictEqual(parsed.urls[0]?.value, "https://good0.example.org/")
    }),
  )

  it.effect("invalid options are defects", () =>
    Effect.gen(function* () {
      for (const options of [
        { size: 0 },
        { size: 1.5 },
        { idleTimeoutMs: -1 },
        { idleTimeoutMs: Number.NaN },
      ]) {
        const exit = yield* Effect.exit(Effect.scoped(EmailPool.make(options)))
        assert.isTrue(Exit.hasDies(exit), JSON.stringify(options))
      }
    }),
  )

  it("idle workers do not keep the process alive", { timeout: 30_000 }, async () => {
    const fixture = fileURLToPath(new URL("./fixtures/parse-once.ts", import.meta.url))
    // The default idle timeout is 30 s: a worker holding the process open would hit the 20 s kill.
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--conditions=@riposte/source", fixture],
        { timeout: 20_000 },
        (error, stdout) => resolve({ code: error ? ((error.code as number | null) ?? -1) : 0, stdout }),
      )
    })
    assert.strictEqual(code, 0)
    assert.include(stdout, "parsed 1 url")
  })
})
