/**
 * The HTTP implementation of {@link Okta} over `@riposte/connector-kit`. The API token is sent
 * as `Authorization: SSWS <token>`.
 *
 * Okta has no idempotency header and answers a repeated lifecycle call with 400 (`E0000001`,
 * "not ACTIVE"). Suspend and unsuspend reconcile instead: on a 400 they read the user and succeed
 * when the user is already in the wanted state (`alreadySuspended` / `unchanged`).
 *
 * @example
 * ```ts
 * import { OktaHttp } from "@riposte/connector-okta"
 * import { Redacted } from "effect"
 *
 * const OktaLive = OktaHttp.layer({ orgUrl: "https://corp.okta.com", apiToken: Redacted.make(process.env.OKTA_TOKEN ?? "") })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import { Connector, type ConnectorError } from "@riposte/core"
import { Effect, type Layer, Redacted, Schema } from "effect"
import { Okta, User } from "./Okta.ts"

export interface Config {
  /** `https://<org>.okta.com` (or your custom domain). */
  readonly orgUrl: string
  readonly apiToken: Redacted.Redacted<string>
  /** Hosts allowed to receive the token. Default: the org URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 15 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 1 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Default 50 per minute (the lowest per-endpoint limit in recorded responses); `false` disables. */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
}

export const defaultRateLimit: RateLimiter.Settings = { tokensPerInterval: 50, intervalMillis: 60_000 }

const user = (userId: string) => `/api/v1/users/${encodeURIComponent(userId)}`
/** Okta's 400 on a lifecycle call: the kit maps unknown 4xx to InvalidResponse at `$status`. */
const isRejected = (e: ConnectorError) => e.reason._tag === "InvalidResponse" && e.reason.path === "$status"

/**
 * The Okta implementation Layer.
 *
 * @example
 * ```ts
 * OktaHttp.layer({ orgUrl, apiToken, rateLimit: { tokensPerInterval: 600, intervalMillis: 60_000 } })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"okta">> => {
  const client = HttpConnector.make(
    Okta.connector,
    {
      baseUrl: config.orgUrl,
      credentials: config.apiToken,
      allowedHosts: config.allowedHosts ?? [new URL(config.orgUrl).host],
      timeoutMillis: config.timeoutMillis ?? 15_000,
      maxResponseBytes: config.maxResponseBytes ?? 1024 * 1024,
      rateLimit: config.rateLimit === false ? undefined : (config.rateLimit ?? defaultRateLimit),
      retry: config.retry,
    },
    (token) => ({ authorization: `SSWS ${Redacted.value(token)}` }),
  )
  const decoded =
    <A extends keyof typeof Okta.actions, B>(
      action: A,
      run: (
        input: (typeof Okta.actions)[A]["input"]["Type"],
        context: Connector.CallContext,
      ) => Effect.Effect<B, ConnectorError>,
    ) =>
    (input: unknown, context: Connector.CallContext) =>
      Effect.flatMap(
        HttpConnector.decodeInput<(typeof Okta.actions)[A]["input"]["Type"]>(
          Okta.connector,
          action,
          Okta.actions[action],
          input,
        ),
        (i) => run(i, context),
      )
  const getUser = (action: string, userId: string, context: Connector.CallContext) =>
    client.execute(action, { output: User, kind: "read" }, { method: "GET", path: user(userId) }, context)

  /** Lifecycle call; on Okta's 400, succeeds only if the user is already `wanted`. */
  const lifecycle = (
    action: "suspendUser" | "unsuspendUser",
    verb: "suspend" | "unsuspend",
    wanted: User["status"],
    userId: string,
    context: Connector.CallContext,
  ) =>
    client
      .execute(
        action,
        { output: Schema.Unknown, kind: action === "suspendUser" ? "destructive" : "write" },
        // Okta ignores Idempotency-Key; the kit sends it anyway (proxies and the simulator use it).
        { method: "POST", path: `${user(userId)}/lifecycle/${verb}` },
        context,
      )
      .pipe(
        Effect.as(false),
        Effect.catchIf(isRejected, (error) =>
          Effect.flatMap(getUser(action, userId, context), (current) =>
            current.status === wanted ? Effect.succeed(true) : Effect.fail(error),
          ),
        ),
      )

  return Connector.layer(Okta, {
    getUser: decoded("getUser", ({ userId }, context) => getUser("getUser", userId, context)),
    suspendUser: decoded("suspendUser", ({ userId }, context) =>
      Effect.map(lifecycle("suspendUser", "suspend", "SUSPENDED", userId, context), (alreadySuspended) => ({
        userId,
        alreadySuspended,
      })),
    ),
    unsuspendUser: decoded("unsuspendUser", ({ userId, leaveSuspended }, context) =>
      leaveSuspended === true
        ? Effect.succeed({ userId, unchanged: true })
        : Effect.map(lifecycle("unsuspendUser", "unsuspend", "ACTIVE", userId, context), (unchanged) => ({
            userId,
            unchanged,
          })),
    ),
    clearSessions: decoded("clearSessions", ({ userId }, context) =>
      client.execute(
        "clearSessions",
        { output: Schema.Struct({ userId: Schema.String, cleared: Schema.Boolean }), kind: "destructive" },
        // 204 No Content; clearing twice is harmless.
        { method: "DELETE", path: `${user(userId)}/sessions`, select: () => ({ userId, cleared: true }) },
        context,
      ),
    ),
  })
}
