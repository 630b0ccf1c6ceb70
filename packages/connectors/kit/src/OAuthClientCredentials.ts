/**
 * OAuth2 client-credentials tokens, cached until shortly before they expire, and bearer-token
 * API calls that drop the cached token when the API answers 401.
 *
 * The client secret is unwrapped only into the token request's form body (the token endpoint's
 * documented `client_secret_post`); the kit's errors never carry request bodies.
 */

import type { Connector, ConnectorError } from "@riposte/core"
import { Clock, Effect, Redacted, Schema, Semaphore } from "effect"
import * as HttpConnector from "./HttpConnector.ts"

export interface ClientCredentials {
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Extra form fields (e.g. `scope`). */
  readonly form?: Readonly<Record<string, string>> | undefined
}

export interface TokenSource {
  /** A valid access token; `action` names the connector action in errors. */
  readonly token: (
    action: string,
    context: Connector.CallContext,
  ) => Effect.Effect<Redacted.Redacted<string>, ConnectorError>
  readonly invalidate: Effect.Effect<void>
}

/** Refresh this long before the vendor's expiry: a token must not expire mid-call. */
const refreshMarginMillis = 60_000

const TokenResponse = Schema.Struct({
  access_token: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(16_384)),
  expires_in: Schema.Number.check(Schema.isGreaterThan(0)),
})

type Transport = Omit<HttpConnector.Config<Redacted.Redacted<string>>, "baseUrl" | "credentials" | "retry">

/** A fixed token (obtained elsewhere, e.g. a managed identity). */
export const fixed = (token: Redacted.Redacted<string>): TokenSource => ({
  token: () => Effect.succeed(token),
  invalidate: Effect.void,
})

/** Tokens from an OAuth2 token endpoint, one request at a time, cached until expiry. */
export const fromEndpoint = (
  connector: string,
  credentials: ClientCredentials,
  transport: Transport,
): TokenSource => {
  const url = new URL(credentials.tokenUrl)
  const client = HttpConnector.make(
    connector,
    { ...transport, baseUrl: url.origin, credentials: credentials.clientSecret },
    () => ({}),
  )
  let cached: { readonly token: Redacted.Redacted<string>; readonly expiresAt: number } | undefined
  const lock = Semaphore.makeUnsafe(1)
  const token = (action: string, context: Connector.CallContext) =>
    lock.withPermits(1)(
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (cached !== undefined && cached.expiresAt > now) return cached.token
        const response = yield* client.execute(
          action,
          { output: TokenResponse, kind: "read" },
          {
            method: "POST",
            path: url.pathname,
            form: {
              grant_type: "client_credentials",
              client_id: credentials.clientId,
              client_secret: Redacted.value(credentials.clientSecret),
              ...credentials.form,
            },
          },
          context,
        )
        const fresh = Redacted.make(response.access_token)
        cached = {
          token: fresh,
          expiresAt: now + Math.max(0, response.expires_in * 1000 - refreshMarginMillis),
        }
        return fresh
      }),
    )
  return {
    token,
    invalidate: Effect.sync(() => {
      cached = undefined
    }),
  }
}

/** Executes API calls with `Authorization: Bearer <token>`. */
export const bearerClient = (
  connector: string,
  config: Omit<HttpConnector.Config<Redacted.Redacted<string>>, "credentials">,
  tokens: TokenSource,
) => {
  const execute = <O extends Schema.Top>(
    action: string,
    def: HttpConnector.ActionShape<O>,
    spec: HttpConnector.RequestSpec,
    context: Connector.CallContext,
  ): Effect.Effect<O["Type"], ConnectorError> =>
    Effect.flatMap(tokens.token(action, context), (token) =>
      HttpConnector.make(connector, { ...config, credentials: token }, (t) => ({
        authorization: `Bearer ${Redacted.value(t)}`,
      }))
        .execute(action, def, spec, context)
        .pipe(
          Effect.tapError((error) =>
            error.reason._tag === "Unauthorized" ? tokens.invalidate : Effect.void,
          ),
        ),
    )
  return { connector, execute }
}
