/**
 * Throughput of `Email.parse` on the worker pool against the same-run baseline: `extract` called
 * directly on the main thread (no isolation, no copy). Parses the demo emails
 * (`examples/demo/emails/*.eml`) `--rounds` times each and prints messages/s and the ratio.
 *
 *   npm run throughput -w @riposte/email -- --rounds 200 --concurrency 64 --size 2
 *
 * `--size` defaults to `EmailPool.defaultSize()` (cores - 1). Numbers depend on the machine;
 * nothing here is asserted.
 */
import { readdirSync, readFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { parseArgs } from "node:util"
import { Effect } from "effect"
import { Email, EmailPool, Limits } from "../src/index.ts"
import { extract } from "../src/internal/Extract.ts"

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "100" },
    concurrency: { type: "string", default: "64" },
    size: { type: "string" },
  },
})
const rounds = Number(values.rounds)
const concurrency = Number(values.concurrency)
const size = values.size === undefined ? EmailPool.defaultSize() : Number(values.size)

const dir = new URL("../../../examples/demo/emails/", import.meta.url)
const samples = readdirSync(dir)
  .filter((f) => f.endsWith(".eml"))
  .sort()
  .map((f) => readFileSync(new URL(f, dir)))
const messages = Array.from({ length: rounds }, () => samples).flat()
const limits = Limits.make()

const mainThread = Effect.promise(async () => {
  for (const raw of messages) {
    const result = await extract(raw, limits)
    if (result._tag !== "Success") throw new Error(`baseline: ${result.reason._tag}`)
  }
})

const pooled = Effect.forEach(messages, (raw) => Email.parse(raw), { concurrency, discard: true })

/** Messages per second of one run of `effect`. */
const rate = <E>(effect: Effect.Effect<void, E>) =>
  Effect.gen(function* () {
    const started = performance.now()
    yield* effect
    return messages.length / ((performance.now() - started) / 1000)
  })

const program = Effect.gen(function* () {
  // Warm-up: JIT on the main thread; worker start-up and JIT in the pool.
  yield* mainThread
  yield* pooled
  const baseline = yield* rate(mainThread)
  const pool = yield* rate(pooled)
  const stats = (yield* EmailPool.EmailPool).stats()
  return { baseline, pool, stats }
})

const { baseline, pool, stats } = await Effect.runPromise(
  program.pipe(Effect.provide(EmailPool.layer({ size }))),
)

const fmt = (n: number) => n.toFixed(1).padStart(8)
console.log(
  `${messages.length} messages (${samples.length} demo emails × ${rounds}), concurrency ${concurrency}, ` +
    `pool size ${size}, ${availableParallelism()} cores`,
)
console.log(`main thread (extract, no isolation) ${fmt(baseline)} msg/s`)
console.log(`worker pool (Email.parse)           ${fmt(pool)} msg/s`)
console.log(`ratio pool / main thread            ${(pool / baseline).toFixed(2).padStart(8)}`)
console.log(`pool: ${stats.spawned} workers started, peak ${stats.peakWorkers} alive`)
