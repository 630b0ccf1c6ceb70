import { assert, describe, it } from "@effect/vitest"
import { Engine, playbook } from "@riposte/core"
import { Clock, Effect, Fiber, Layer, Redacted, Schema } from "effect"
import { TestClock } from "effect/testing"
import { ApprovalTokens, SlackApprovals } from "../src/index.ts"
import { pendingApproval } from "./backends.ts"
import { Edr, makeWorld, memoryEngine } from "./fixtures.ts"

const gated = playbook("slack-gated", { version: "1" })
  .trigger(Schema.Struct({ host: Schema.String }))
  .approve("gate", { roles: ["lead"], timeout: "1 hour", onTimeout: "deny", summary: () => "isolate" })
  .act("isolate", (ctx) => Edr.isolate({ host: ctx.trigger.host }))

const secret = Redacted.make("8f742231b10e8888abcd99yyyzzz85a5")

const click = (token: string, actionId: string = SlackApprovals.APPROVE, userId = "U1") =>
  `payload=${encodeURIComponent(
    JSON.stringify({
      type: "block_actions",
      user: { id: userId, team_id: "T1" },
      team: { id: "T1" },
      actions: [{ action_id: actionId, value: token }],
    }),
  )}`

const request = (body: string, timestamp: string, signature: string) =>
  new Request("http://127.0.0.1/slack/interactivity", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
    },
    body,
  })

const send = (handle: (r: Request) => Promise<Response>, req: Request) =>
  Effect.promise(async () => {
    const res = await handle(req)
    return { status: res.status, body: (await res.json()) as any }
  })

describe("SlackApprovals.handler", () => {
  it.effect("signature ok / bad / stale / replayed; the button's token is redeemed once", () => {
    const world = makeWorld()
    return Effect.gen(function* () {
      yield* TestClock.setTime(1_700_000_000_000)
      const engine = yield* Engine.Engine
      const tokens = yield* ApprovalTokens.ApprovalTokens
      const handle = yield* SlackApprovals.handler({
        signingSecret: secret,
        resolveUser: ({ userId, teamId }) =>
          Effect.succeed(
            userId === "U1" && teamId === "T1" ? { actor: "alice", roles: ["lead"] } : undefined,
          ),
      })
      const fiber = yield* Effect.forkChild(engine.run(gated, { host: "h1" }))
      const approval = yield* pendingApproval
      const token = Redacted.value(yield* tokens.issue(approval.id, { approver: "alice", ttl: "1 hour" }))
      const now = String(Math.floor((yield* Clock.currentTimeMillis) / 1000))
      const body = click(token)

      // Bad: signed with another secret, or body tampered after signing.
      const forged = SlackApprovals.sign(Redacted.make("wrong"), now, body)
      assert.deepStrictEqual((yield* send(handle, request(body, now, forged))).body, {
        error: "InvalidSignature",
      })
      const tampered = request(
        click(token, SlackApprovals.APPROVE, "U2"),
        now,
        SlackApprovals.sign(secret, now, body),
      )
      assert.strictEqual((yield* send(handle, tampered)).status, 401)
      assert.strictEqual(
        (yield* send(handle, request(body, "abc", SlackApprovals.sign(secret, "abc", body)))).status,
        401,
      )
      // Stale: a correctly signed request from 6 minutes ago.
      const old = String(Number(now) - 360)
      const stale = yield* send(handle, request(body, old, SlackApprovals.sign(secret, old, body)))
      assert.deepStrictEqual([stale.status, stale.body.error], [401, "StaleRequest"])
      assert.strictEqual(world.calls.length, 0)

      // Ok: approved by alice.
      const signature = SlackApprovals.sign(secret, now, body)
      const ok = yield* send(handle, request(body, now, signature))
      assert.strictEqual(ok.status, 200)
      assert.strictEqual(ok.body.text, "alice approved: approved")
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
      assert.deepStrictEqual(
        world.calls.map((c) => c.call),
        ["edr.isolate"],
      )

      // Replayed: the same signed request again.
      const replay = yield* send(handle, request(body, now, signature))
      assert.deepStrictEqual([replay.status, replay.body.error], [401, "ReplayedRequest"])
      // A fresh signature on the used token: the token itself is spent.
      yield* TestClock.adjust("1 second")
      const later = String(Number(now) + 1)
      const reused = yield* send(handle, request(body, later, SlackApprovals.sign(secret, later, body)))
      assert.strictEqual(reused.body.text, "Refused: InvalidToken")
    }).pipe(Effect.provide(Layer.provideMerge(ApprovalTokens.layerMemory, memoryEngine(world, [gated]))))
  })

  it.effect("unknown Slack users and unsupported payloads are refused", () => {
    const world = makeWorld()
    return Effect.gen(function* () {
      const handle = yield* SlackApprovals.handler({
        signingSecret: secret,
        resolveUser: () => Effect.succeed(undefined),
      })
      const now = String(Math.floor((yield* Clock.currentTimeMillis) / 1000))
      const stranger = click("A".repeat(43))
      const refused = yield* send(handle, request(stranger, now, SlackApprovals.sign(secret, now, stranger)))
      assert.strictEqual(refused.body.text, "You are not a Riposte approver.")
      const junk = "payload=%7Bnot-json"
      const bad = yield* send(handle, request(junk, now, SlackApprovals.sign(secret, now, junk)))
      assert.deepStrictEqual([bad.status, bad.body.error], [400, "UnsupportedPayload"])
      const twoActions = `payload=${encodeURIComponent(JSON.stringify({ type: "block_actions", user: { id: "U1" }, actions: [{}, {}] }))}`
      const multi = yield* send(
        handle,
        request(twoActions, now, SlackApprovals.sign(secret, now, twoActions)),
      )
      assert.strictEqual(multi.status, 400)
    }).pipe(Effect.provide(Layer.provideMerge(ApprovalTokens.layerMemory, memoryEngine(world, [gated]))))
  })
})
