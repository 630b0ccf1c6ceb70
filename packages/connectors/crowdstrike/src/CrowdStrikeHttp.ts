/**
 * The HTTP implementation of {@link CrowdStrike} over the Falcon API, with an OAuth2
 * client-credentials token (`POST /oauth2/token`) cached until shortly before it expires and
 * dropped when the API answers 401.
 *
 * @example
 * ```ts
 * import { CrowdStrikeHttp } from "@riposte/connector-crowdstrike"
 * import { Redacted } from "effect"
 *
 * const FalconLive = CrowdStrikeHttp.layer({
 *   clientId: process.env.FALCON_CLIENT_ID ?? "",
 *   clientSecret: Redacted.make(process.env.FALCON_CLIENT_SECRET ?? ""),
 *   baseUrl: CrowdStrikeHttp.regions["eu-1"],
 * })
 * ```
 * @since 0.1.0
 */
import {
  type ConnectorRetry,
  HttpConnector,
  OAuthClientCredentials as OAuth,
  type RateLimiter,
} from "@riposte/connector-kit"
import { Connector, type ConnectorError } from "@riposte/core"
import { Effect, type Layer, type Redacted } from "effect"
import { CrowdStrike } from "./CrowdStrike.ts"

/** Falcon API base URLs per cloud. */
export const regions = {
  "us-1": "https://api.crowdstrike.com",
  "us-2": "https://api.us-2.crowdstrike.com",
  "eu-1": "https://api.eu-1.crowdstrike.com",
  "us-gov-1": "https://api.laggar.gcw.crowdstrike.com",
} as const

export type Config = (
  | { readonly clientId: string; readonly clientSecret: Redacted.Redacted<string> }
  /** A token obtained elsewhere; never refreshed. */
  | { readonly accessToken: Redacted.Redacted<string> }
) & {
  /** Default: US-1 (`https://api.crowdstrike.com`); see {@link regions}. */
  readonly baseUrl?: string | undefined
  /** Hosts allowed to receive the secret and token. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 30 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 4 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Default 6 000 requests per minute (Falcon's per-customer limit); `false` disables. */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
}

export const defaultRateLimit: RateLimiter.Settings = { tokensPerInterval: 6000, intervalMillis: 60_000 }

/**
 * The CrowdStrike Falcon implementation Layer.
 *
 * @example
 * ```ts
 * CrowdStrikeHttp.layer({ clientId, clientSecret, retry: { times: 3, base: 500, max: 10_000 } })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"crowdstrike">> => {
  const connector = CrowdStrike.connector
  const baseUrl = config.baseUrl ?? regions["us-1"]
  const transport = {
    allowedHosts: config.allowedHosts ?? [new URL(baseUrl).host],
    timeoutMillis: config.timeoutMillis ?? 30_000,
    maxResponseBytes: config.maxResponseBytes ?? 4 * 1024 * 1024,
  }
  const tokens =
    "accessToken" in config
      ? OAuth.fixed(config.accessToken)
      : OAuth.fromEndpoint(
          connector,
          {
            tokenUrl: `${baseUrl.replace(/\/+$/, "")}/oauth2/token`,
            clientId: config.clientId,
            clientSecret: config.clientSecret,
          },
          transport,
        )
  const client = OAuth.bearerClient(
    connector,
    {
      ...transport,
      baseUrl,
      rateLimit: config.rateLimit === false ? undefined : (config.rateLimit ?? defaultRateLimit),
      retry: config.retry,
    },
    tokens,
  )
  const handler =
    <A extends keyof typeof CrowdStrike.actions>(
      action: A,
      request: (input: (typeof CrowdStrike.actions)[A]["input"]["Type"]) => HttpConnector.RequestSpec,
    ) =>
    (input: unknown, context: Connector.CallContext): Effect.Effect<unknown, ConnectorError> => {
      const def: Connector.AnyActionDef = CrowdStrike.actions[action]
      return Effect.flatMap(
        HttpConnector.decodeInput<(typeof CrowdStrike.actions)[A]["input"]["Type"]>(
          connector,
          action,
          def,
          input,
        ),
        (decoded) => client.execute(action, def, request(decoded), context),
      )
    }
  // Falcon ignores Idempotency-Key (the kit sends it; proxies and the simulator use it); contain
  // and lift set a state, so a replay sets the same state again.
  const deviceAction = (name: "contain" | "lift_containment") => (input: { readonly deviceId: string }) => ({
    method: "POST" as const,
    path: "/devices/entities/devices-actions/v2",
    query: { action_name: name },
    json: { ids: [input.deviceId.toLowerCase()] },
  })
  return Connector.layer(CrowdStrike, {
    containHost: handler("containHost", deviceAction("contain")),
    liftContainment: handler("liftContainment", deviceAction("lift_containment")),
    getHost: handler("getHost", ({ deviceId }) => ({
      method: "GET",
      path: "/devices/entities/devices/v2",
      query: { ids: deviceId.toLowerCase() },
    })),
    queryDetections: handler("queryDetections", ({ filter, limit }) => ({
      method: "GET",
      path: "/detects/queries/detects/v1",
      query: { filter, limit: limit ?? 100, sort: "first_behavior.desc" },
    })),
    getDetections: handler("getDetections", ({ ids }) => ({
      method: "POST",
      path: "/detects/entities/summaries/GET/v1",
      json: { ids },
    })),
  } as Connector.Handlers<typeof CrowdStrike.actions>)
}
