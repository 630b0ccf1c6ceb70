/**
 * Implements a connector definition's actions over HTTP (undici): base URL, credentials sent only
 * to allowed hosts, timeout, response size cap, shared rate limit, idempotency header on writes,
 * status → reason mapping and output decoding with the action's schema.
 *
 * @example
 * ```ts
 * import { HttpConnector } from "@riposte/connector-kit"
 * import { Redacted } from "effect"
 *
 * export const layer = (config: HttpConnector.Config<Redacted.Redacted<string>>) =>
 *   HttpConnector.implement(VirusTotal, config, (apiKey) => ({ "x-apikey": Redacted.value(apiKey) }), {
 *     urlReport: (input) => ({ method: "GET", path: `/urls/${encodeURIComponent(input.id)}` }),
 *   })
 * ```
 * @since 0.1.0
 */
import {
  Connector,
  ConnectorError,
  type ConnectorErrorReason,
  InvalidInput,
  InvalidResponse,
  Refused,
} from "@riposte/core"
import { Clock, Effect, type Layer, type Redacted, Schema } from "effect"
import type { Dispatcher } from "undici"
import * as ConnectorRetry from "./ConnectorRetry.ts"
import { send } from "./internal/transport.ts"
import * as RateLimiter from "./RateLimiter.ts"
import * as StatusMapping from "./StatusMapping.ts"

/** Credentials: one secret, or named secrets (e.g. `{ clientId, clientSecret }`). */
export type Credentials = Redacted.Redacted<string> | Readonly<Record<string, Redacted.Redacted<string>>>

export interface Config<C extends Credentials = Credentials> {
  readonly baseUrl: string
  readonly credentials: C
  /** Hosts (`host` or `host:port`) that may receive the credentials. Any other host: `Refused`. */
  readonly allowedHosts: ReadonlyArray<string>
  /** Whole-exchange timeout (connect, headers, body). Default 30 000. */
  readonly timeoutMillis?: number | undefined
  /** Response body cap; a larger body fails with `InvalidResponse` at `$body`. Default 10 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Token bucket shared by every client of this connector in the process. */
  readonly rateLimit?: RateLimiter.Settings | undefined
  /** Retries inside the call (same idempotency key on every attempt). Default: none. */
  readonly retry?: ConnectorRetry.Options | undefined
  /** An undici dispatcher (proxy, custom TLS, mock). Default: undici's global dispatcher. */
  readonly dispatcher?: Dispatcher | undefined
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** What one action sends. Path segments built from input MUST be `encodeURIComponent`-ed. */
export interface RequestSpec {
  readonly method: Method
  /** Appended to the base URL's path. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined
  /** JSON body. */
  readonly json?: unknown
  /** `application/x-www-form-urlencoded` body. */
  readonly form?: Readonly<Record<string, string>> | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Header carrying the idempotency key on write/destructive actions (default `Idempotency-Key`); `false` to omit. */
  readonly idempotencyHeader?: string | false | undefined
  /** Picks the part of the JSON body the output schema decodes (default: the whole body). */
  readonly select?: ((body: unknown) => unknown) | undefined
}

/** Builds request headers from the credentials; called only while building each request. */
export type Authenticate<C extends Credentials> = (credentials: C) => Readonly<Record<string, string>>

/** The part of an action definition the client needs: its output schema and kind. */
export interface ActionShape<O extends Schema.Top> {
  readonly output: O
  readonly kind: Connector.ActionKind
}

export interface Client {
  readonly connector: string
  /** Sends `spec` for `action`, maps errors, decodes the body with `def.output`. */
  readonly execute: <O extends Schema.Top>(
    action: string,
    def: ActionShape<O>,
    spec: RequestSpec,
    context: Connector.CallContext,
  ) => Effect.Effect<O["Type"], ConnectorError>
}

const defaultTimeoutMillis = 30_000
const defaultMaxResponseBytes = 10 * 1024 * 1024

const hostAllowed = (url: URL, allowed: ReadonlyArray<string>): boolean =>
  allowed.some((entry) => {
    const e = entry.toLowerCase()
    return e === url.host.toLowerCase() || e === url.hostname.toLowerCase()
  })

const buildUrl = (base: URL, spec: RequestSpec): URL => {
  const url = new URL(base.href)
  url.pathname = `${base.pathname.replace(/\/+$/, "")}${spec.path.startsWith("/") ? "" : "/"}${spec.path}`
  for (const [key, value] of Object.entries(spec.query ?? {})) {
    if (value !== undefined) url.searchParams.append(key, String(value))
  }
  return url
}

const parseJson = (bytes: Uint8Array): unknown => {
  if (bytes.byteLength === 0) return undefined
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))
}

/**
 * Creates a client for `connector`.
 *
 * @example
 * ```ts
 * const client = HttpConnector.make("virustotal", config, (key) => ({ "x-apikey": Redacted.value(key) }))
 * ```
 */
export const make = <C extends Credentials>(
  connector: string,
  config: Config<C>,
  authenticate: Authenticate<C>,
): Client => {
  const base = new URL(config.baseUrl)
  const timeoutMillis = config.timeoutMillis ?? defaultTimeoutMillis
  const maxResponseBytes = config.maxResponseBytes ?? defaultMaxResponseBytes
  const bucket = config.rateLimit === undefined ? undefined : RateLimiter.shared(connector, config.rateLimit)

  const execute = <O extends Schema.Top>(
    action: string,
    def: ActionShape<O>,
    spec: RequestSpec,
    context: Connector.CallContext,
  ): Effect.Effect<O["Type"], ConnectorError> => {
    const fail = (reason: ConnectorErrorReason) =>
      Effect.fail(new ConnectorError({ connector, action, reason }))
    const decodeOutput = Schema.decodeUnknownEffect(def.output as unknown as Schema.Codec<O["Type"], unknown>)
    const attempt = Effect.gen(function* () {
      let url: URL
      try {
        url = buildUrl(base, spec)
      } catch {
        return yield* fail(new InvalidInput({ path: "$", detail: "request URL could not be built" }))
      }
      if (!hostAllowed(url, config.allowedHosts)) {
        return yield* fail(new Refused({ detail: `host ${url.hostname} is not in allowedHosts` }))
      }
      if (bucket !== undefined) yield* bucket.take
      const headers: Record<string, string> = { accept: "application/json", ...spec.headers }
      let body: string | undefined
      if (spec.json !== undefined) {
        headers["content-type"] = "application/json"
        body = JSON.stringify(spec.json)
      } else if (spec.form !== undefined) {
        headers["content-type"] = "application/x-www-form-urlencoded"
        body = new URLSearchParams(spec.form as Record<string, string>).toString()
      }
      if (def.kind !== "read" && spec.idempotencyHeader !== false) {
        headers[spec.idempotencyHeader ?? "Idempotency-Key"] = context.idempotencyKey
      }
      // The only place secrets are unwrapped: straight into the outgoing headers.
      Object.assign(headers, authenticate(config.credentials))
      const response = yield* send({
        url,
        method: spec.method,
        headers,
        body,
        dispatcher: config.dispatcher,
        timeoutMillis,
        maxResponseBytes,
      }).pipe(Effect.catch(fail))
      yield* Effect.annotateCurrentSpan("http.response.status_code", response.status)
      const now = yield* Clock.currentTimeMillis
      const mapped = StatusMapping.fromStatus(response.status, response.headers, now)
      if (mapped !== undefined) return yield* fail(mapped)
      let json: unknown
      try {
        json = parseJson(response.body)
      } catch {
        return yield* fail(new InvalidResponse({ path: "$body", detail: "body is not valid UTF-8 JSON" }))
      }
      const selected = spec.select === undefined ? json : spec.select(json)
      return yield* decodeOutput(selected).pipe(
        Effect.catch((issue) => fail(StatusMapping.invalidResponse(issue.issue))),
      )
    }).pipe(
      Effect.withSpan(`connector ${connector}.${action}`, {
        attributes: {
          "riposte.connector": connector,
          "riposte.action": action,
          "http.request.method": spec.method,
          "server.address": base.hostname,
        },
      }),
    )
    return config.retry === undefined ? attempt : ConnectorRetry.withRetry(attempt, config.retry)
  }
  return { connector, execute }
}

/** One request builder per action of the definition. */
export type Requests<Actions extends Record<string, Connector.AnyActionDef>> = {
  readonly [K in keyof Actions]: (
    input: Actions[K]["input"]["Type"],
    context: Connector.CallContext,
  ) => RequestSpec
}

/**
 * The handler wrapper every HTTP action goes through: decodes the input with the action's input
 * schema (junk → `InvalidInput` with its path), then runs `run`.
 */
export const decodeInput = <A>(
  connector: string,
  action: string,
  def: Connector.AnyActionDef,
  input: unknown,
): Effect.Effect<A, ConnectorError> =>
  Schema.decodeUnknownEffect(def.input as Schema.Codec<A, unknown>)(input).pipe(
    Effect.mapError(
      (issue) =>
        new ConnectorError({
          connector,
          action,
          reason: new InvalidInput(StatusMapping.issueSummary(issue.issue)),
        }),
    ),
  )

/**
 * Builds the implementation Layer of `definition` from one {@link RequestSpec} builder per action.
 *
 * @example
 * ```ts
 * HttpConnector.implement(Okta, config, (token) => ({ authorization: `SSWS ${Redacted.value(token)}` }), {
 *   suspendUser: ({ userId }) => ({ method: "POST", path: `/api/v1/users/${encodeURIComponent(userId)}/lifecycle/suspend` }),
 * })
 * ```
 */
export const implement = <
  Name extends string,
  Actions extends Record<string, Connector.AnyActionDef>,
  C extends Credentials,
>(
  definition: Connector.Definition<Name, Actions>,
  config: Config<C>,
  authenticate: Authenticate<C>,
  requests: Requests<Actions>,
): Layer.Layer<Connector.Implementation<Name>> => {
  const client = make(definition.connector, config, authenticate)
  const handlers: Record<
    string,
    (input: unknown, context: Connector.CallContext) => Effect.Effect<unknown, ConnectorError>
  > = {}
  for (const [action, def] of Object.entries(definition.actions)) {
    const build = requests[action as keyof Actions]
    handlers[action] = (input, context) =>
      Effect.flatMap(decodeInput(definition.connector, action, def, input), (decoded) =>
        client.execute(action, def, build(decoded, context), context),
      )
  }
  return Connector.layer(definition, handlers as Connector.Handlers<Actions>)
}
