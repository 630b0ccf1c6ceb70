/**
 * (4) Three runners on Postgres (`Runtime.runner` in child processes), 200 runs of a real
 * playbook started from a client-only engine in the test process, one runner SIGKILLed mid-way.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Engine } from "@riposte/core"
import { Duration, Effect, Layer } from "effect"
import { afterAll } from "vitest"
import * as Runtime from "../src/Runtime.ts"
import { type Child, executions, freePort, poll, spawnChild } from "./fixtures/harness.ts"
import { inflight } from "./fixtures/playbooks.ts"
import { preparePostgres } from "./fixtures/postgres.ts"
import { startReceiver } from "./fixtures/receiver.ts"

const root = mkdtempSync(join(tmpdir(), "riposte-cluster-"))
const receiver = await startReceiver()
const pg = await preparePostgres()
afterAll(async () => {
  await receiver.close()
  await pg.cleanup()
  rmSync(root, { recursive: true, force: true })
})
if (!pg.ok) console.log(`[runtime] cluster test skipped: ${pg.reason}`)
const runPg = pg.ok || process.env.CI === "true"

const RUNS = 200

describe.skipIf(!runPg)("three runners on Postgres", () => {
  it.live(
    "(4) 200 runs, one runner SIGKILLed mid-way: all complete, none lost, no completed step re-executed, no key applied twice",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          if (!pg.ok) return yield* Effect.die(new Error(`Postgres unavailable: ${pg.reason}`))
          const url = pg.url
          const log = join(root, "cluster.log")
          const runners: Array<Child> = []
          for (let i = 0; i < 3; i++) {
            runners.push(
              yield* spawnChild({
                backend: "runner",
                target: url,
                port: yield* freePort,
                playbooks: ["inflight@1"],
                side: { log, receiver: receiver.url, noteDelayMillis: 20 },
              }),
            )
          }
          const started = performance.now()
          const engine = yield* Engine.Engine
          const ids = Array.from({ length: RUNS }, (_, i) => `bulk-${i}`)
          const runIds = yield* Effect.forEach(ids, (id) => engine.start(inflight, { id }), {
            concurrency: 20,
          })

          // Kill the busiest runner once about a third of the purges went through.
          yield* poll(
            "a third of the runs to purge",
            Effect.sync(() => (receiver.appliedByTarget.size >= RUNS / 3 ? true : undefined)),
            Duration.seconds(60),
          )
          const byPid = new Map<number, number>()
          for (const e of executions(log)) byPid.set(e.pid, (byPid.get(e.pid) ?? 0) + 1)
          const victim = runners.reduce((a, b) =>
            (byPid.get(a.pid) ?? 0) >= (byPid.get(b.pid) ?? 0) ? a : b,
          )
          yield* victim.kill()
          const killedAt = performance.now()
          const doneBeforeKill = receiver.appliedByTarget.size

          const results = yield* Effect.forEach(
            runIds,
            ({ runId }) =>
              poll(
                `run ${runId}`,
                Effect.map(engine.status(runId), (s) => (s._tag === "Completed" ? s.result : undefined)),
                Duration.seconds(90),
              ),
            { concurrency: 20 },
          )
          const finished = performance.now()

          // All 200 complete, none lost.
          assert.lengthOf(results, RUNS)
          for (const r of results) assert.deepStrictEqual(r.path, ["a", "purge", "b"])

          // Each call (one idempotency key) ran once; only a call in flight on the killed runner ran
          // again, once, on a survivor.
          const byKey = new Map<string, Array<number>>()
          for (const e of executions(log)) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.pid])
          assert.strictEqual(byKey.size, RUNS * 3, "three calls per run")
          let rerun = 0
          for (const [key, pids] of byKey) {
            if (pids.length === 1) continue
            rerun++
            assert.lengthOf(pids, 2, `call ${key} ran at most twice`)
            assert.strictEqual(pids[0], victim.pid, `call ${key} re-ran only because its runner died`)
            assert.notStrictEqual(pids[1], victim.pid)
          }

          // The destructive receiver applied exactly one key per run: a re-run carried the same key.
          assert.strictEqual(receiver.appliedByTarget.size, RUNS)
          for (const id of ids) assert.lengthOf(receiver.appliedByTarget.get(id) ?? [], 1, id)
          const redelivered = [...receiver.deliveries.values()].filter((n) => n > 1).length
          console.log(
            `[runtime] cluster: ${RUNS} runs on 3 runners; killed pid ${victim.pid} after ${doneBeforeKill} purges; ` +
              `${rerun} calls re-ran, ${redelivered} purge keys delivered twice (applied once); ` +
              `all done ${((finished - started) / 1000).toFixed(1)} s after start, ` +
              `${((finished - killedAt) / 1000).toFixed(1)} s after the kill`,
          )
        }).pipe(
          Effect.provide(
            Layer.unwrap(
              Effect.sync(() =>
                Engine.layer({ playbooks: [inflight] }).pipe(
                  Layer.provideMerge(Runtime.client({ url: pg.ok ? pg.url : "" })),
                ),
              ),
            ),
          ),
        ),
      ),
    150_000,
  )
})
