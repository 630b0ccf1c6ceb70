import { assert, describe, it } from "@effect/vitest"
import { Connector } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { Okta, OktaHttp } from "../src/index.ts"

const ctx = (step: string, run = "run-1"): Connector.CallContext => ({
  idempotencyKey: `${run}/${step}`,
  runId: run,
  playbook: "account-takeover",
  step,
  attempt: 1,
})

const invoke = <C extends Connector.AnyCall>(sim: Simulator.Handle, call: C, step: string, run?: string) =>
  Connector.invoke(call, ctx(step, run)).pipe(
    Effect.provide(
      OktaHttp.layer({ orgUrl: sim.urlOf("okta"), apiToken: Redacted.make("okta-token"), rateLimit: false }),
    ),
  )

const alice = { id: "00u1alice", login: "alice@corp.example" }

describe("Okta against the simulator", () => {
  it.live("suspend → undo (unsuspend) restores the user; a replay with the same key applies once", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["okta"] })
      sim.okta.seed([{ ...alice, sessions: 2 }])
      const before = yield* invoke(sim, Okta.getUser({ userId: alice.login }), "read")
      assert.strictEqual(before.status, "ACTIVE")
      assert.strictEqual(before.profile.login, alice.login)

      const input = { userId: alice.id }
      const out = yield* invoke(sim, Okta.suspendUser(input), "suspend")
      assert.deepStrictEqual(out, { userId: alice.id, alreadySuspended: false })
      assert.strictEqual(sim.okta.user(alice.id)?.status, "SUSPENDED")
      const replay = yield* invoke(sim, Okta.suspendUser(input), "suspend")
      assert.deepStrictEqual(replay, out)
      assert.deepStrictEqual(sim.duplicateKeys(), { "okta:run-1/suspend": 1 })

      const def = Okta.actions.suspendUser
      assert.strictEqual(def.undo, "unsuspendUser")
      const undone = yield* invoke(
        sim,
        Okta.unsuspendUser(def.undoInput?.(input, out) as typeof input),
        "undo",
      )
      assert.deepStrictEqual(undone, { userId: alice.id, unchanged: false })
      assert.strictEqual(sim.okta.user(alice.id)?.status, "ACTIVE")
    }),
  )

  it.live("a user someone else suspended: suspend succeeds, its undo leaves them suspended", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["okta"] })
      sim.okta.seed([{ ...alice, status: "SUSPENDED" }])
      const input = { userId: alice.id }
      const out = yield* invoke(sim, Okta.suspendUser(input), "suspend", "run-2")
      assert.deepStrictEqual(out, { userId: alice.id, alreadySuspended: true })
      const undoInput = Okta.actions.suspendUser.undoInput?.(input, out) as { userId: string }
      const undone = yield* invoke(sim, Okta.unsuspendUser(undoInput), "undo", "run-2")
      assert.deepStrictEqual(undone, { userId: alice.id, unchanged: true })
      assert.strictEqual(sim.okta.user(alice.id)?.status, "SUSPENDED")
      assert.isUndefined(sim.calls()["POST /okta/api/v1/users/:id/lifecycle/unsuspend"])
    }),
  )

  it.live("a deprovisioned user cannot be suspended: the 400 is surfaced, not swallowed", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["okta"] })
      sim.okta.seed([{ ...alice, status: "DEPROVISIONED" }])
      const error = yield* Effect.flip(invoke(sim, Okta.suspendUser({ userId: alice.id }), "suspend"))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.strictEqual(sim.okta.user(alice.id)?.status, "DEPROVISIONED")
    }),
  )

  it.live("clear sessions ends every session; an unknown user is NotFound", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["okta"] })
      sim.okta.seed([{ ...alice, sessions: 3 }])
      const out = yield* invoke(sim, Okta.clearSessions({ userId: alice.id }), "clear")
      assert.deepStrictEqual(out, { userId: alice.id, cleared: true })
      assert.strictEqual(sim.okta.user(alice.id)?.sessions, 0)
      const missing = yield* Effect.flip(invoke(sim, Okta.getUser({ userId: "00unobody" }), "read"))
      assert.strictEqual(missing.reason._tag, "NotFound")
    }),
  )
})
