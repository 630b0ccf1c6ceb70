import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Connector, ConnectorError } from "@riposte/core"
import { Effect, Exit, Fiber, Redacted, Schema } from "effect"
import { TestClock } from "effect/testing"
import { HttpConnector, RateLimiter } from "../src/index.ts"
import { json, type Loopback, loopback } from "./loopback.ts"

const Sample = Connector.make("sample", {
  version: "1",
  actions: {
    lookup: Connector.action({
      input: Schema.Struct({ id: Schema.String }),
      output: Schema.Struct({ data: Schema.Struct({ id: Schema.String, size: Schema.Number }) }),
      kind: "read",
    }),
    block: Connector.action({
      input: Schema.Struct({ value: Schema.String }),
      output: Schema.Struct({ ok: Schema.Boolean }),
      kind: "destructive",
    }),
    note: Connector.action({
      input: Schema.Struct({ text: Schema.String }),
      output: Schema.Void,
      kind: "write",
    }),
  },
})

const secret = "sk-live-very-secret-0123456789"
const ctx: Connector.CallContext = {
  idempotencyKey: "idem-1",
  runId: "r",
  playbook: "p",
  step: "s",
  attempt: 1,
}

const config = (server: Loopback, extra: Partial<HttpConnector.Config<Redacted.Redacted<string>>> = {}) => ({
  baseUrl: `${server.url}/api/v1/`,
  credentials: Redacted.make(secret),
  allowedHosts: [server.host],
  timeoutMillis: 2_000,
  maxResponseBytes: 1024,
  ...extra,
})

const client = (server: Loopback, extra: Partial<HttpConnector.Config<Redacted.Redacted<string>>> = {}) =>
  HttpConnector.make("sample", config(server, extra), (key) => ({ "x-apikey": Redacted.value(key) }))

const lookup = (c: HttpConnector.Client, id = "abc") =>
  c.execute("lookup", Sample.actions.lookup, { method: "GET", path: `/items/${encodeURIComponent(id)}` }, ctx)

const failure = <A>(exit: Exit.Exit<A, ConnectorError>): ConnectorError => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  const reason = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  assert.isDefined(reason)
  const error = reason?._tag === "Fail" ? reason.error : undefined
  assert.instanceOf(error, ConnectorError)
  const text = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)} ${(error as Error).message}`
  assert.isFalse(text.includes(secret), "errors never carry the credential")
  assert.isFalse(text.includes("/items/"), "errors never carry the request URL")
  return error as ConnectorError
}

describe("HttpConnector", () => {
  it.live("sends credentials, decodes the body and ignores extra fields", () =>
    Effect.gen(function* () {
      const server = yield* loopback
      server.handler = (_req, res) =>
        json(res, 200, { data: { id: "abc", size: 3, extra: { nested: true } }, meta: 1 })
      const out = yield* lookup(client(server), "a/b c")
      assert.deepStrictEqual(out, { data: { id: "abc", size: 3 } })
      const req = server.requests[0]
      assert.strictEqual(req?.url, "/api/v1/items/a%2Fb%20c")
      assert.strictEqual(req?.headers["x-apikey"], secret)
      assert.isUndefined(req?.headers["idempotency-key"], "read actions carry no idempotency key")
    }).pipe(Effect.scoped),
  )

  it.live("a body that does not match the schema is InvalidResponse with the failing path", () =>
    Effect.gen(function* () {
      const server = yield* loopback
      server.handler = (_req, res) => json(res, 200, { data: { id: "abc", size: "big" } })
      const error = failure(yield* Effect.exit(lookup(client(server))))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.strictEqual(error.reason._tag === "InvalidResponse" ? error.reason.path : "", "$.data.size")
      server.handler = (_req, res) => res.writeHead(200).end("<html>not json</html>")
      const notJson = failure(yield* Effect.exit(lookup(client(server))))
      assert.strictEqual(notJson.reason._tag === "InvalidResponse" ? notJson.reason.path : "", "$body")
    }).pipe(Effect.scoped),
  )

  it.live("maps statuses, parses Retry-After, never surfaces an echoed secret", () =>
    Effect.gen(function* () {
      const server = yield* loopback
      const c = client(server)
      const cases = [
        [401, "Unauthorized"],
        [403, "Forbidden"],
        [404, "NotFound"],
        [409, "Conflict"],
        [429, "RateLimited"],
        [502, "ServerError"],
      ] as const
      for (const [status, tag] of cases) {
        server.handler = (req, res) => json(res, status, { echo: req.headers }, { "retry-after": "4" })
        const error = failure(yield* Effect.exit(lookup(c)))
        assert.strictEqual(error.reason._tag, tag)
        assert.strictEqual(error.retryable, status === 429 || status === 502)
      }
      const date = new Date(Date.now() + 30_000).toUTCString()
      server.handler = (_req, res) => json(res, 429, {}, { "retry-after": date })
      const limited = failure(yield* Effect.exit(lookup(c)))
      const after = limited.reason._tag === "RateLimited" ? (limited.reason.retryAfterMillis ?? 0) : 0
      assert.isTrue(after > 25_000 && after <= 30_000, `retryAfterMillis ${after}`)
    }).pipe(Effect.scoped),
  )

  it.live("sends the idempotency key on write and destructive actions (header configurable)", () =>
    Effect.gen(function* () {
      const server = yield* loopback
      const c = client(server)
      server.handler = (_req, res) => json(res, 200, { ok: true })
      yield* c.execute("block", Sample.actions.block, { method: "POST", path: "/block", json: { v: 1 } }, ctx)
      server.handler = (_req, res) => res.writeHead(204).end()
      yield* c.execute(
        "note",
        Sample.actions.note,
        { method: "POST", path: "/note", form: { text: "hi" }, idempotencyHeader: "X-Request-Id" },
        ctx,
      )
      assert.strictEqual(server.requests[0]?.headers["idempotency-key"], "idem-1")
      assert.strictEqual(server.requests[0]?.body, '{"v":1}')
      assert.strictEqual(server.requests[1]?.headers["x-request-id"], "idem-1")
      assert.isUndefined(server.requests[1]?.headers["idempotency-key"])
      assert.strictEqual(server.requests[1]?.body, "text=hi")
    }).pipe(Effect.scoped),
  )

  it.live("refuses hosts outside allowedHosts without sending anything", () =>
    Effect.gen(function* () {
      const server = yield* loopback
      const c = client(server, { allowedHosts: ["api.vendor.example"] })
      const error = failure(yield* Effect.exit(lookup(c)))
      assert.strictEqual(error.reason._tag, "Refused")
      assert.strictEqual(server.requests.length, 0)
    }).pipe(Effect.scoped),
  )

  it.live("caps the response size (declared and streamed) with InvalidResponse at $body", () =>
    Effect.gen(function* () {
      const server = yield* loopback
      server.handler = (_req, res) => json(res, 200, { data: { id: "x".repeat(5000), size: 1 } })
      const declared = failure(yield* Effect.exit(lookup(client(server))))
      assert.strictEqual(declared.reason._tag === "InvalidResponse" ? declared.reason.path : "", "$body")
      server.handler = (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        for (let i = 0; i < 10; i++) res.write("x".repeat(500))
        res.end()
      }
      const streamed = failure(yield* Effect.exit(lookup(client(server))))
      assert.strictEqual(streamed.reason._tag === "InvalidResponse" ? streamed.reason.path : "", "$body")
    }).pipe(Effect.scoped),
  )

  it.live("a closed port is Transport with a code, not a URL", () =>
    Effect.gen(function* () {
      const server = yield* loopback
      const c = client(server, { baseUrl: "http://127.0.0.1:1/", allowedHosts: ["127.0.0.1:1"] })
      const error = failure(yield* Effect.exit(lookup(c)))
      assert.strictEqual(error.reason._tag, "Transport")
      assert.strictEqual(error.reason._tag === "Transport" ? error.reason.detail : "", "ECONNREFUSED")
    }).pipe(Effect.scoped),
  )

  it.effect("times out a silent server (TestClock) and aborts the socket", () =>
    Effect.gen(function* () {
      const server = yield* loopback
      server.handler = () => {} // never answers
      const fiber = yield* Effect.forkChild(lookup(client(server, { timeoutMillis: 5_000 })))
      yield* TestClock.adjust(5_000)
      const error = failure(yield* Fiber.await(fiber))
      assert.strictEqual(error.reason._tag, "Timeout")
      assert.strictEqual(error.reason._tag === "Timeout" ? error.reason.afterMillis : 0, 5_000)
    }).pipe(Effect.scoped),
  )

  it.effect("shares one token bucket between clients of the same connector", () =>
    Effect.gen(function* () {
      RateLimiter.resetShared()
      const server = yield* loopback
      server.handler = (_req, res) => json(res, 200, { data: { id: "a", size: 1 } })
      const rateLimit = { tokensPerInterval: 2, intervalMillis: 1_000 }
      const a = client(server, { rateLimit })
      const b = client(server, { rateLimit })
      yield* lookup(a)
      yield* lookup(b)
      const third = yield* Effect.forkChild(lookup(b))
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
      assert.strictEqual(server.requests.length, 2, "the third call waits for a token")
      yield* TestClock.adjust(500)
      yield* Fiber.join(third)
      assert.strictEqual(server.requests.length, 3)
    }).pipe(Effect.scoped),
  )

  it.live("implement() decodes inputs (junk → InvalidInput) before any request", () =>
    Effect.gen(function* () {
      const server = yield* loopback
      server.handler = (_req, res) => json(res, 200, { data: { id: "a", size: 1 } })
      const layer = HttpConnector.implement(
        Sample,
        config(server),
        (key) => ({ authorization: `Bearer ${Redacted.value(key)}` }),
        {
          lookup: ({ id }) => ({ method: "GET", path: `/items/${encodeURIComponent(id)}` }),
          block: ({ value }) => ({ method: "POST", path: "/block", json: { value } }),
          note: ({ text }) => ({ method: "POST", path: "/note", json: { text } }),
        },
      )
      const impl = yield* Effect.provide(
        Effect.gen(function* () {
          return yield* Sample.service
        }),
        layer,
      )
      const ok = yield* impl.handlers.lookup?.({ id: "a" }, ctx) ?? Effect.die("missing")
      assert.deepStrictEqual(ok, { data: { id: "a", size: 1 } })
      const error = failure(
        yield* Effect.exit(impl.handlers.lookup?.({ id: 42 }, ctx) ?? Effect.die("missing")),
      )
      assert.strictEqual(error.reason._tag, "InvalidInput")
      assert.strictEqual(error.reason._tag === "InvalidInput" ? error.reason.path : "", "$.id")
      assert.strictEqual(server.requests.length, 1)
      assert.strictEqual(server.requests[0]?.headers.authorization, `Bearer ${secret}`)
    }).pipe(Effect.scoped),
  )
})
