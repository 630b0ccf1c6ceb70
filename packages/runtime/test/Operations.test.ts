/**
 * Operator controls on the embedded SQLite runtime: suspend on failure + resume, and the kill
 * switch through the one-call Promise entry `createDurableRiposte`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Engine } from "@riposte/core"
import { Effect, Layer } from "effect"
import { afterAll } from "vitest"
import { createDurableRiposte, DurableError, type KillSwitch, Runtime } from "../src/index.ts"
import { countStep, poll } from "./fixtures/harness.ts"
import { flaky, gated, inflight, sideLayer } from "./fixtures/playbooks.ts"

const root = mkdtempSync(join(tmpdir(), "riposte-ops-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let counter = 0

const engineOn = (directory: string, log: string, down: string, suspendOnFailure: boolean) =>
  Engine.layer({ playbooks: [flaky], ...(suspendOnFailure ? { suspendOnFailure: ["flaky"] } : {}) }).pipe(
    Layer.provide(sideLayer({ log, vendorDown: down })),
    Layer.provideMerge(Runtime.sqlite({ directory })),
  )

const stateOf = (runId: string, tag: Engine.RunState["_tag"]) =>
  poll(
    `run ${runId} to be ${tag}`,
    Effect.gen(function* () {
      const state = yield* (yield* Engine.Engine).status(runId)
      return state._tag === tag ? state : undefined
    }),
  )

describe("suspend on failure", () => {
  it.live(
    "vendor down: the run is Suspended; vendor back: resume re-runs the failed step and completes",
    () => {
      const n = ++counter
      const log = join(root, `log-${n}.txt`)
      const down = join(root, `down-${n}`)
      writeFileSync(down, "")
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const { runId } = yield* engine.start(flaky, { id: "vendor-1" })
        yield* stateOf(runId, "Suspended")
        assert.strictEqual(countStep(log, "v"), 1)
        assert.strictEqual(countStep(log, "b"), 0)

        rmSync(down)
        yield* engine.resume(runId)
        const done = yield* stateOf(runId, "Completed")
        assert.deepStrictEqual(done._tag === "Completed" ? done.result.path : [], ["a", "v", "b"])
        assert.strictEqual(countStep(log, "a"), 1, "the step before the failure did not run again")
        assert.strictEqual(countStep(log, "v"), 2, "the failed step ran again on resume")
        assert.strictEqual(countStep(log, "b"), 1)
      }).pipe(Effect.provide(engineOn(join(root, `db-${n}`), log, down, true)))
    },
  )

  it.live("without the option the same failure fails the run", () => {
    const n = ++counter
    const log = join(root, `log-${n}.txt`)
    const down = join(root, `down-${n}`)
    writeFileSync(down, "")
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const { runId } = yield* engine.start(flaky, { id: "vendor-2" })
      const failed = yield* stateOf(runId, "Failed")
      assert.strictEqual(failed._tag === "Failed" ? failed.error._tag : "", "ConnectorError")
    }).pipe(Effect.provide(engineOn(join(root, `db-${n}`), log, down, false)))
  })
})

/** The typed error a rejected facade call carries. */
const rejection = async (
  promise: Promise<unknown>,
): Promise<{ readonly _tag?: string; readonly reason?: string }> => {
  try {
    await promise
  } catch (error) {
    return error as { readonly _tag?: string }
  }
  throw new Error("expected a rejection")
}

describe("kill switch (createDurableRiposte on SQLite)", () => {
  it("paused: new triggers are rejected, runs in flight continue; the pause survives a restart; resume admits again", async () => {
    const n = ++counter
    const directory = join(root, `db-${n}`)
    const log = join(root, `log-${n}.txt`)
    const open = () =>
      createDurableRiposte({
        storage: { sqlite: { directory } },
        playbooks: [gated, inflight],
        connectors: [sideLayer({ log })],
      })

    const first = await open()
    try {
      const parked = await first.start(gated, { id: "ks-1" })
      await first.killSwitch.pause("gated", { actor: "alice", reason: "false positives\u0000" })
      const refused = await rejection(first.start(gated, { id: "ks-2" }))
      assert.strictEqual(refused._tag, "PlaybookInactive")
      assert.strictEqual(refused.reason, "Paused")
      // Other playbooks are not affected.
      assert.strictEqual((await first.run(inflight, { id: "ks-other" })).status, "completed")
      // The run already in flight continues through its gate.
      const pending = await first.approvals.pending({ runId: parked.runId })
      assert.lengthOf(pending, 1)
      await first.approvals.decide(pending[0]?.id ?? "", {
        decision: "approve",
        actor: "bob",
        roles: ["lead"],
      })
      assert.strictEqual((await first.result(parked.runId)).status, "completed")
      const bad = await rejection(first.killSwitch.pause("../etc"))
      assert.instanceOf(bad, DurableError.InvalidPlaybookName)
    } finally {
      await first.close()
    }

    const second = await open()
    try {
      const paused: ReadonlyArray<KillSwitch.Paused> = await second.killSwitch.list()
      assert.deepStrictEqual(
        paused.map((p) => [p.playbook, p.pausedBy, p.reason]),
        [["gated", "alice", "false positives "]],
      )
      assert.strictEqual((await rejection(second.start(gated, { id: "ks-3" })))._tag, "PlaybookInactive")
      await second.killSwitch.resume("gated")
      const { runId } = await second.start(gated, { id: "ks-3" })
      assert.match(runId, /^riposte\/gated@1#/)
      assert.deepStrictEqual(await second.killSwitch.list(), [])
    } finally {
      await second.close()
    }
    assert.strictEqual(countStep(log, "a"), 2, "one note per admitted gated run")
  }, 60_000)
})
