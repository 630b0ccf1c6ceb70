import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { CaseStore, Engine, playbook } from "@riposte/core"
import { Effect, Fiber, Layer, Redacted, Schema } from "effect"
import { ApprovalHttp, ApprovalTokens } from "../src/index.ts"
import { pendingApproval } from "./backends.ts"
import { Edr, makeWorld, memoryEngine } from "./fixtures.ts"

const gated = playbook("http-gated", { version: "1" })
  .trigger(Schema.Struct({ host: Schema.String }))
  .approve("gate", {
    roles: ["lead"],
    timeout: "1 hour",
    onTimeout: "deny",
    summary: (c) => `isolate ${c.trigger.host}`,
  })
  .act("isolate", (ctx) => Edr.isolate({ host: ctx.trigger.host }))

const users: Record<string, ApprovalHttp.User> = {
  alice: { actor: "alice", roles: ["lead"] },
  eve: { actor: "eve", roles: ["analyst"] },
}

/** node:http → Fetch-API adapter (what an application would write around the handler). */
const serve = (handle: (req: Request) => Promise<Response>) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<Server>((resolve) => {
          const server = createServer((req: IncomingMessage, res: ServerResponse) => {
            const chunks: Array<Buffer> = []
            req.on("data", (c: Buffer) => chunks.push(c))
            req.on("end", () => {
              const body = chunks.length === 0 ? undefined : Buffer.concat(chunks)
              const headers = new Headers()
              for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v)
              const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
                method: req.method ?? "GET",
                headers,
                ...(body === undefined || req.method === "GET" ? {} : { body }),
              })
              void handle(request).then(async (response) => {
                res.writeHead(response.status, Object.fromEntries(response.headers))
                res.end(Buffer.from(await response.arrayBuffer()))
              })
            })
          })
          server.listen(0, "127.0.0.1", () => resolve(server))
        }),
    ),
    (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve()))),
  ).pipe(Effect.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`))

const call = (url: string, user: string | undefined, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const headers = new Headers(init.headers)
    if (user !== undefined) headers.set("authorization", `Bearer ${user}`)
    const res = await fetch(url, { ...init, headers })
    return { status: res.status, body: (await res.json()) as any }
  })

const post = (url: string, user: string | undefined, body: unknown, type = "application/json") =>
  call(url, user, {
    method: "POST",
    headers: { "content-type": type },
    body: typeof body === "string" ? body : JSON.stringify(body),
  })

describe("ApprovalHttp over node:http on 127.0.0.1", () => {
  it.live("list, read and decide approvals; token links; refusals map to HTTP statuses", () => {
    const world = makeWorld()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const tokens = yield* ApprovalTokens.ApprovalTokens
      const handle = yield* ApprovalHttp.handler({
        authenticate: (req) => {
          const m = /^Bearer (\w+)$/.exec(req.headers.get("authorization") ?? "")
          return Effect.succeed(m === null ? undefined : users[m[1]!])
        },
      })
      const base = yield* serve(handle)
      const fiber = yield* Effect.forkChild(engine.run(gated, { host: "h1" }))
      const request = yield* pendingApproval

      assert.strictEqual((yield* call(`${base}/approvals`, undefined)).status, 401)
      const listed = yield* call(`${base}/approvals`, "alice")
      assert.strictEqual(listed.status, 200)
      assert.deepStrictEqual(
        listed.body.approvals.map((a: any) => [a.id, a.summary]),
        [[request.id, "isolate h1"]],
      )
      assert.deepStrictEqual((yield* call(`${base}/approvals`, "eve")).body.approvals, [])
      assert.strictEqual((yield* call(`${base}/approvals/${request.id}`, "eve")).status, 404)
      const one = yield* call(`${base}/approvals/${request.id}`, "alice")
      assert.strictEqual(one.body.approval.payloadHash, request.payloadHash)
      assert.strictEqual((yield* call(`${base}/approvals/nope`, "alice")).status, 404)

      const decision = `${base}/approvals/${request.id}/decision`
      assert.strictEqual(
        (yield* post(decision, "alice", "decision=approve", "application/x-www-form-urlencoded")).status,
        415,
      )
      assert.strictEqual((yield* post(decision, "alice", "{not json")).status, 400)
      assert.strictEqual((yield* post(decision, "alice", { decision: "yes" })).status, 400)
      assert.strictEqual(
        (yield* post(decision, "alice", { decision: "approve", comment: "x".repeat(20_000) })).status,
        413,
      )
      const changed = yield* post(decision, "alice", { decision: "approve", payloadHash: "0".repeat(64) })
      assert.deepStrictEqual([changed.status, changed.body.error], [409, "PayloadChanged"])
      const wrongRole = yield* post(decision, "eve", { decision: "approve" })
      assert.deepStrictEqual([wrongRole.status, wrongRole.body.error], [403, "RoleNotAllowed"])
      assert.strictEqual(world.calls.length, 0)

      const ok = yield* post(decision, "alice", {
        decision: "approve",
        payloadHash: request.payloadHash,
        comment: "go",
      })
      assert.deepStrictEqual([ok.status, ok.body.approval.decision], [200, "approved"])
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
      assert.deepStrictEqual(
        world.calls.map((c) => c.call),
        ["edr.isolate"],
      )
      const late = yield* post(decision, "alice", { decision: "approve" })
      assert.deepStrictEqual([late.status, late.body.error], [409, "AlreadyDecided"])

      // A token link: the second run is decided with a single-use token.
      const second = yield* Effect.forkChild(engine.run(gated, { host: "h2" }))
      const request2 = yield* pendingApproval
      const token = Redacted.value(yield* tokens.issue(request2.id, { approver: "alice", ttl: "1 hour" }))
      const redeem = `${base}/approvals/redeem`
      assert.strictEqual((yield* post(redeem, undefined, { token, decision: "deny" })).status, 401)
      const denied = yield* post(redeem, "alice", { token, decision: "deny", comment: "false positive" })
      assert.deepStrictEqual([denied.status, denied.body.approval.decision], [200, "denied"])
      const replay = yield* post(redeem, "alice", { token, decision: "approve" })
      assert.deepStrictEqual([replay.status, replay.body.error], [403, "InvalidToken"])
      assert.strictEqual((yield* Fiber.join(second)).status, "denied")
      const store = yield* CaseStore.CaseStore
      assert.strictEqual((yield* store.getApproval(request2.id)).comment, "false positive")
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.provideMerge(ApprovalTokens.layerMemory, memoryEngine(world, [gated]))),
    )
  })
})
