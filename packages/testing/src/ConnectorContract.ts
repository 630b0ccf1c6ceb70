/**
 * The contract every HTTP connector must pass, as a vitest suite. Call it once per connector
 * test file with recorded vendor responses; it starts its own loopback `node:http` server that
 * answers each test's request with the fixture or the status under test.
 *
 * Imported from `@riposte/testing` (or `@riposte/testing/ConnectorContract`, which loads only
 * this suite); `@riposte/connector-kit/contract` re-exports it. It depends on vitest: production
 * code must not import it.
 *
 * What it checks, per action:
 * - the recorded response decodes with the action's output schema (the request reached the
 *   server carrying the credentials);
 * - 401/403/404/429 (with Retry-After)/500 map to Unauthorized/Forbidden/NotFound/RateLimited
 *   {retryAfterMillis}/ServerError, even when the vendor echoes the credentials in the body;
 * - the planted secret never appears in an error (message, JSON, inspect) or an output;
 * - the input schema rejects junk (a number for each string field) before any request is sent.
 *
 * @example
 * ```ts
 * ConnectorContract.suite(VirusTotal, {
 *   layer: (baseUrl, apiKey) => VirusTotalHttp.layer({ baseUrl, credentials: apiKey, allowedHosts: [new URL(baseUrl).host] }),
 *   fixtures: { urlReport: { input: { id: "abc" }, response: recordedJson } },
 * })
 * ```
 * @since 0.1.0
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { type Connector, ConnectorError } from "@riposte/core"
import { Effect, Exit, type Layer, Redacted } from "effect"

export interface Fixture {
  readonly input: unknown
  /** The recorded vendor JSON. */
  readonly response: unknown
}

export interface Options<Name extends string, Actions extends Record<string, Connector.AnyActionDef>> {
  readonly layer: (
    baseUrl: string,
    credentials: Redacted.Redacted<string>,
  ) => Layer.Layer<Connector.Implementation<Name>>
  readonly fixtures: { readonly [K in keyof Actions]: Fixture }
}

interface Planned {
  status: number
  headers: Record<string, string>
  body: string
}

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
}

const context: Connector.CallContext = {
  idempotencyKey: "contract-idempotency-key",
  runId: "contract-run",
  playbook: "contract",
  step: "contract-step",
  attempt: 1,
}

const statusCases = [
  { status: 401, tag: "Unauthorized" },
  { status: 403, tag: "Forbidden" },
  { status: 404, tag: "NotFound" },
  { status: 429, tag: "RateLimited" },
  { status: 500, tag: "ServerError" },
] as const

/**
 * Declares the contract tests of `definition`.
 *
 * @example
 * ```ts
 * ConnectorContract.suite(Okta, { layer: (baseUrl, token) => OktaHttp.layer({ ... }), fixtures: { ... } })
 * ```
 */
export const suite = <Name extends string, Actions extends Record<string, Connector.AnyActionDef>>(
  definition: Connector.Definition<Name, Actions>,
  options: Options<Name, Actions>,
): void => {
  const secretText = `planted-secret-${Math.random().toString(36).slice(2)}-${Date.now()}`
  const secret = Redacted.make(secretText)
  let server: Server
  let baseUrl = ""
  let planned: Planned = { status: 200, headers: {}, body: "{}" }
  const seen: Array<Seen> = []

  const plan = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    planned = {
      status,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    }
    seen.length = 0
  }

  const assertNoSecret = (label: string, value: unknown) => {
    const texts = [
      JSON.stringify(value) ?? "",
      inspect(value, { depth: 20 }),
      value instanceof Error ? `${value.message}\n${value.stack ?? ""}` : String(value),
    ]
    for (const text of texts) assert.isFalse(text.includes(secretText), `${label} leaks the credential`)
  }

  const call = (action: string, input: unknown) =>
    Effect.gen(function* () {
      const implementation = yield* definition.service
      const handler = implementation.handlers[action]
      assert.isDefined(handler, `no handler for ${action}`)
      return yield* (handler as NonNullable<typeof handler>)(input, context)
    }).pipe(Effect.provide(options.layer(baseUrl, secret)), Effect.exit)

  describe(`connector contract: ${definition.connector}`, () => {
    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers })
          // A hostile vendor echoes the request headers back; the connector must not surface them.
          const echoed =
            planned.status >= 400 ? JSON.stringify({ error: "denied", echo: req.headers }) : planned.body
          res.writeHead(planned.status, planned.headers).end(echoed)
        })
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })

    for (const action of Object.keys(definition.actions)) {
      const fixture = options.fixtures[action as keyof Actions]

      it.live(`${action}: decodes its recorded response`, () =>
        Effect.gen(function* () {
          plan(200, fixture.response)
          const exit = yield* call(action, fixture.input)
          assert.isTrue(Exit.isSuccess(exit), `expected success, got ${inspect(exit, { depth: 8 })}`)
          assert.strictEqual(seen.length, 1, "exactly one request reaches the vendor")
          const sentSecret = Object.values(seen[0]?.headers ?? {}).some((v) => String(v).includes(secretText))
          assert.isTrue(sentSecret, "the credentials are sent to the vendor")
          if (Exit.isSuccess(exit)) assertNoSecret("output", exit.value)
        }),
      )

      for (const { status, tag } of statusCases) {
        it.live(`${action}: HTTP ${status} → ${tag}`, () =>
          Effect.gen(function* () {
            plan(status, {}, status === 429 ? { "retry-after": "7" } : {})
            const exit = yield* call(action, fixture.input)
            assert.isTrue(Exit.isFailure(exit), "must fail")
            const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
            const failure = error?._tag === "Fail" ? error.error : undefined
            assert.instanceOf(failure, ConnectorError)
            const e = failure as ConnectorError
            assert.strictEqual(e.connector, definition.connector)
            assert.strictEqual(e.action, action)
            assert.strictEqual(e.reason._tag, tag)
            if (e.reason._tag === "RateLimited") assert.strictEqual(e.reason.retryAfterMillis, 7000)
            if (e.reason._tag === "ServerError") assert.strictEqual(e.reason.status, 500)
            assertNoSecret(`HTTP ${status} error`, e)
            assertNoSecret(`HTTP ${status} exit`, exit)
          }),
        )
      }

      const stringKeys =
        typeof fixture.input === "object" && fixture.input !== null
          ? Object.entries(fixture.input).filter(([, v]) => typeof v === "string")
          : []
      it.live(`${action}: input schema rejects junk`, () =>
        Effect.gen(function* () {
          plan(200, fixture.response)
          const junks: Array<unknown> = [
            42,
            null,
            ...stringKeys.map(([k]) => ({ ...(fixture.input as object), [k]: 12345 })),
          ]
          for (const junk of junks) {
            const exit = yield* call(action, junk)
            const reason = Exit.isFailure(exit)
              ? exit.cause.reasons.find((r) => r._tag === "Fail")
              : undefined
            const failure = reason?._tag === "Fail" ? reason.error : undefined
            assert.instanceOf(failure, ConnectorError, `junk ${JSON.stringify(junk)} must be refused`)
            assert.strictEqual((failure as ConnectorError).reason._tag, "InvalidInput")
          }
          assert.strictEqual(seen.length, 0, "junk input never reaches the vendor")
        }),
      )
    }
  })
}
