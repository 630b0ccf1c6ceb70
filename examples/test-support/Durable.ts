/**
 * Durable runs for the examples' tests: the real embedded SQLite runtime of @riposte/runtime
 * (journal + case store in one database) in a temporary directory. A "restart" is a fresh layer
 * over the same directory: what survives it is what is on disk.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Engine, type Playbook } from "@riposte/core"
import { Runtime } from "@riposte/runtime"
import { Duration, Effect, Layer } from "effect"

/** A fresh database directory, removed by `cleanup`. */
export const directory = () => {
  const path = mkdtempSync(join(tmpdir(), "riposte-example-"))
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) }
}

/** The engine on `Runtime.sqlite` in `path`, with the given connector (and guardrail) layers. */
export const engine = (
  path: string,
  playbooks: ReadonlyArray<Playbook.Any>,
  layers: Layer.Layer<any, never, any>,
) =>
  Engine.layer({ playbooks }).pipe(
    Layer.provide(layers),
    Layer.provideMerge(Runtime.sqlite({ directory: path })),
  )

/** Polls (real time) until `f` yields a value. */
export const poll = <A, E, R>(what: string, f: Effect.Effect<A | undefined, E, R>) =>
  Effect.gen(function* () {
    for (;;) {
      const value = yield* f
      if (value !== undefined) return value
      yield* Effect.sleep(Duration.millis(20))
    }
  }).pipe(
    Effect.timeoutOrElse({
      duration: Duration.seconds(30),
      orElse: () => Effect.die(new Error(`timed out waiting for ${what}`)),
    }),
  )

/** The run's pending approval request. */
export const pendingOf = (runId: string) =>
  poll(
    `an approval request of ${runId}`,
    Effect.gen(function* () {
      const [request] = yield* (yield* Engine.Engine).pendingApprovals({ runId })
      return request
    }),
  )

/** The run's result once it completed (fails the test on a failed run). */
export const resultOf = (runId: string) =>
  Effect.gen(function* () {
    return yield* (yield* Engine.Engine).result(runId, { interval: Duration.millis(20) })
  }).pipe(Effect.timeout(Duration.seconds(30)))
