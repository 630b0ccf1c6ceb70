import { assert, describe, it } from "@effect/vitest"
import { type ApprovalError, CaseStore, Engine, playbook } from "@riposte/core"
import { Effect, Fiber, Layer, Redacted, Result, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { DurableDeferred } from "effect/workflow"
import { ApprovalTokens, Migrations } from "../src/index.ts"
import { pendingApproval, pgClient, pgUnavailable, sqliteClient } from "./backends.ts"
import { Edr, makeWorld, memoryEngine } from "./fixtures.ts"

const gated = (quorum: number) =>
  playbook(`gated-q${quorum}`, { version: "1" })
    .trigger(Schema.Struct({ host: Schema.String }))
    .approve("gate", {
      roles: ["lead"],
      quorum,
      timeout: "1 hour",
      onTimeout: "deny",
      summary: () => "isolate",
    })
    .act("isolate", (ctx) => Edr.isolate({ host: ctx.trigger.host }))

const single = gated(1)
const double = gated(2)

const refusal = (e: unknown) => (e as ApprovalError).reason

const suite = (name: string, tokens: Layer.Layer<ApprovalTokens.ApprovalTokens, unknown, Engine.Engine>) => {
  const setup = () => {
    const world = makeWorld()
    const engine = memoryEngine(world, [single, double])
    return { world, layer: Layer.provideMerge(tokens, engine) }
  }

  describe(`ApprovalTokens: ${name}`, () => {
    it.effect("a token rebuilt from the alert id and gate name (workflow token) is rejected", () => {
      const { world, layer } = setup()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const service = yield* ApprovalTokens.ApprovalTokens
        yield* Effect.forkChild(engine.run(single, { host: "h1" }))
        const request = yield* pendingApproval
        yield* service.issue(request.id, { ttl: "10 minutes" })
        // What an attacker who knows the alert can compute offline: base64url([tag, executionId, deferred]).
        const hash = request.runId.lastIndexOf("#")
        const forged = DurableDeferred.TokenParsed.encode(
          new DurableDeferred.TokenParsed({
            workflowName: request.runId.slice(0, hash),
            executionId: request.runId.slice(hash + 1),
            deferredName: `gate:${request.gate}`,
          }),
        )
        const e = yield* Effect.flip(service.redeem(forged, "approve", { actor: "alice", roles: ["lead"] }))
        assert.strictEqual(refusal(e), "InvalidToken")
        // Also a 43-character string of the right shape that was never issued.
        const guess = yield* Effect.flip(
          service.redeem("A".repeat(43), "approve", { actor: "alice", roles: ["lead"] }),
        )
        assert.strictEqual(refusal(guess), "InvalidToken")
        const store = yield* CaseStore.CaseStore
        assert.strictEqual((yield* store.getApproval(request.id)).decision, "pending")
        assert.strictEqual(world.calls.length, 0)
      }).pipe(Effect.provide(layer))
    })

    it.effect("a token approves once; the replayed token is rejected; the run proceeds", () => {
      const { world, layer } = setup()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const service = yield* ApprovalTokens.ApprovalTokens
        const fiber = yield* Effect.forkChild(engine.run(single, { host: "h1" }))
        const request = yield* pendingApproval
        const token = Redacted.value(
          yield* service.issue(request.id, { approver: "alice", ttl: "10 minutes" }),
        )
        assert.match(token, /^[A-Za-z0-9_-]{43}$/)
        const decided = yield* service.redeem(token, "approve", { actor: "alice", roles: ["lead"] })
        assert.strictEqual(decided.decision, "approved")
        const replay = yield* Effect.flip(
          service.redeem(token, "approve", { actor: "alice", roles: ["lead"] }),
        )
        assert.strictEqual(refusal(replay), "InvalidToken")
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "completed")
        assert.deepStrictEqual(
          world.calls.map((c) => c.call),
          ["edr.isolate"],
        )
      }).pipe(Effect.provide(layer))
    })

    it.effect("an expired token is rejected", () => {
      const { layer } = setup()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const service = yield* ApprovalTokens.ApprovalTokens
        yield* Effect.forkChild(engine.run(single, { host: "h1" }))
        const request = yield* pendingApproval
        const token = Redacted.value(yield* service.issue(request.id, { ttl: "10 minutes" }))
        yield* TestClock.adjust("10 minutes")
        const e = yield* Effect.flip(service.redeem(token, "approve", { actor: "alice", roles: ["lead"] }))
        assert.strictEqual(refusal(e), "InvalidToken")
        const store = yield* CaseStore.CaseStore
        assert.strictEqual((yield* store.getApproval(request.id)).decision, "pending")
      }).pipe(Effect.provide(layer))
    })

    it.effect("wrong role, own request and a token bound to someone else are rejected", () => {
      const { layer } = setup()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const service = yield* ApprovalTokens.ApprovalTokens
        yield* Effect.forkChild(engine.run(single, { host: "h1" }))
        const request = yield* pendingApproval
        const open = Redacted.value(yield* service.issue(request.id, { ttl: "10 minutes" }))
        const wrongRole = yield* Effect.flip(
          service.redeem(open, "approve", { actor: "eve", roles: ["analyst"] }),
        )
        assert.strictEqual(refusal(wrongRole), "RoleNotAllowed")
        // Four-eyes: the requester (the playbook's identity) cannot approve its own request.
        const self = yield* Effect.flip(
          service.redeem(open, "approve", { actor: request.requester, roles: ["lead"] }),
        )
        assert.strictEqual(refusal(self), "SelfApproval")
        const bound = Redacted.value(
          yield* service.issue(request.id, { approver: "alice", ttl: "10 minutes" }),
        )
        const stolen = yield* Effect.flip(
          service.redeem(bound, "approve", { actor: "mallory", roles: ["lead"] }),
        )
        assert.strictEqual(refusal(stolen), "InvalidToken")
        const store = yield* CaseStore.CaseStore
        assert.strictEqual((yield* store.getApproval(request.id)).decision, "pending")
        // Refusing the wrong person did not burn the tokens of the right one.
        const ok = yield* service.redeem(bound, "approve", { actor: "alice", roles: ["lead"] })
        assert.strictEqual(ok.decision, "approved")
      }).pipe(Effect.provide(layer))
    })

    it.effect("a quorum of 2 needs 2 distinct approvers", () => {
      const { world, layer } = setup()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const service = yield* ApprovalTokens.ApprovalTokens
        const fiber = yield* Effect.forkChild(engine.run(double, { host: "h2" }))
        const request = yield* pendingApproval
        const a1 = Redacted.value(yield* service.issue(request.id, { approver: "alice", ttl: "10 minutes" }))
        const a2 = Redacted.value(yield* service.issue(request.id, { approver: "alice", ttl: "10 minutes" }))
        const b = Redacted.value(yield* service.issue(request.id, { approver: "bob", ttl: "10 minutes" }))
        const first = yield* service.redeem(a1, "approve", { actor: "alice", roles: ["lead"] })
        assert.strictEqual(first.decision, "pending")
        const again = yield* Effect.flip(service.redeem(a2, "approve", { actor: "alice", roles: ["lead"] }))
        assert.strictEqual(refusal(again), "DuplicateApprover")
        assert.strictEqual(world.calls.length, 0)
        const second = yield* service.redeem(b, "approve", { actor: "bob", roles: ["lead"] })
        assert.strictEqual(second.decision, "approved")
        assert.deepStrictEqual(second.approvers, ["alice", "bob"])
        assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
      }).pipe(Effect.provide(layer))
    })

    it.effect("two concurrent clicks on one token resolve once", () => {
      const { layer } = setup()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const service = yield* ApprovalTokens.ApprovalTokens
        yield* Effect.forkChild(engine.run(double, { host: "h3" }))
        const request = yield* pendingApproval
        const token = Redacted.value(yield* service.issue(request.id, { ttl: "10 minutes" }))
        const click = (actor: string) =>
          Effect.result(service.redeem(token, "approve", { actor, roles: ["lead"] }))
        const results = yield* Effect.all([click("alice"), click("bob")], { concurrency: "unbounded" })
        const ok = results.filter(Result.isSuccess)
        const refused = results.filter(Result.isFailure)
        assert.strictEqual(ok.length, 1)
        assert.strictEqual(refused.length, 1)
        assert.strictEqual(refusal(refused[0]!.failure), "InvalidToken")
        const store = yield* CaseStore.CaseStore
        // Exactly one vote was counted (quorum 2: still pending).
        const after = yield* store.getApproval(request.id)
        assert.strictEqual(after.decision, "pending")
        assert.strictEqual(after.approvers.length, 1)
      }).pipe(Effect.provide(layer))
    })
  })
}

const migrated = (client: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  ApprovalTokens.layerSql.pipe(Layer.provide(Layer.effectDiscard(Migrations.migrate)), Layer.provide(client))

suite("memory", ApprovalTokens.layerMemory)
suite("sqlite", migrated(sqliteClient))
describe.skipIf(pgUnavailable !== undefined)("postgres", () => {
  suite("postgres", migrated(pgClient))
})
