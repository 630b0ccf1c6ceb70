import { assert, describe, it } from "@effect/vitest"
import { Connector } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { Blocklist, BlocklistHttp } from "../src/index.ts"

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "phish",
  step,
  attempt: 1,
})

const invoke = <C extends Connector.AnyCall>(sim: Simulator.Handle, call: C, step: string) =>
  Connector.invoke(call, ctx(step)).pipe(
    Effect.provide(BlocklistHttp.layer({ baseUrl: sim.urlOf("edl"), token: Redacted.make("edl-token") })),
  )

const firewallView = (sim: Simulator.Handle) =>
  Effect.promise(() => fetch(`${sim.urlOf("edl")}/edl/list`).then((r) => r.text()))

describe("Blocklist against the simulator", () => {
  it.live("add → list → remove (undo) restores the list; a replayed add applies once", () =>
    Effect.gen(function* () {
      let now = 1_000_000
      const sim = yield* Simulator.scoped({ vendors: ["edl"], now: () => now })
      yield* invoke(sim, Blocklist.add({ value: "keep.example" }), "seed")
      const before = yield* firewallView(sim)

      const input = { value: "https://evil.example/login?x=1", ttlSeconds: 600 }
      const added = yield* invoke(sim, Blocklist.add(input), "block")
      assert.deepStrictEqual(added, { value: input.value, expiresAt: now + 600_000, created: true })
      const replay = yield* invoke(sim, Blocklist.add(input), "block")
      assert.deepStrictEqual(replay, added, "the replay gets the first answer")
      assert.deepStrictEqual(sim.duplicateKeys(), { "edl:run-1/block": 1 })

      const listed = yield* invoke(sim, Blocklist.list({}), "list")
      assert.deepStrictEqual([...listed.entries].sort(), ["https://evil.example/login?x=1", "keep.example"])
      assert.strictEqual(yield* firewallView(sim), `keep.example\nhttps://evil.example/login?x=1\n`)

      const undo = Blocklist.actions.add.undo
      assert.strictEqual(undo, "remove")
      const undoInput = Blocklist.actions.add.undoInput?.(input, added) as { value: string }
      const removed = yield* invoke(sim, Blocklist.remove(undoInput), "undo-block")
      assert.deepStrictEqual(removed, { value: input.value, removed: true })
      assert.strictEqual(yield* firewallView(sim), before, "state restored")

      // Removing what is not there is NotFound (a stale undo), never a silent success.
      const again = yield* Effect.flip(invoke(sim, Blocklist.remove(undoInput), "undo-again"))
      assert.strictEqual(again.reason._tag, "NotFound")
      now += 1
    }),
  )

  it.live("TTL expiry is visible through the simulator's clock; an expired entry can be added again", () =>
    Effect.gen(function* () {
      let now = 5_000_000
      const sim = yield* Simulator.scoped({ vendors: ["edl"], now: () => now })
      yield* invoke(sim, Blocklist.add({ value: "203.0.113.7", ttlSeconds: 60 }), "a")
      yield* invoke(sim, Blocklist.add({ value: "evil.example" }), "b")
      now += 59_999
      assert.deepStrictEqual((yield* invoke(sim, Blocklist.list({}), "l1")).entries, [
        "203.0.113.7",
        "evil.example",
      ])
      now += 1
      assert.deepStrictEqual((yield* invoke(sim, Blocklist.list({}), "l2")).entries, ["evil.example"])
      assert.strictEqual(yield* firewallView(sim), "evil.example\n")
      const readded = yield* invoke(sim, Blocklist.add({ value: "203.0.113.7", ttlSeconds: 60 }), "c")
      assert.isTrue(readded.created, "an expired entry is created anew")
      const refreshed = yield* invoke(sim, Blocklist.add({ value: "evil.example", ttlSeconds: 30 }), "d")
      assert.deepStrictEqual(refreshed, { value: "evil.example", expiresAt: now + 30_000, created: false })
    }),
  )

  it.live("junk the service refuses (whitespace) fails without changing the list", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["edl"] })
      const error = yield* Effect.flip(invoke(sim, Blocklist.add({ value: "has space" }), "x"))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.deepStrictEqual(sim.edl.entries(), [])
    }),
  )
})
