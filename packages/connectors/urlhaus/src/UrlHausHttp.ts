/**
 * The HTTP implementation of {@link UrlHaus} over `@riposte/connector-kit`.
 *
 * @example
 * ```ts
 * import { UrlHausHttp } from "@riposte/connector-urlhaus"
 * import { Redacted } from "effect"
 *
 * const UrlHausLive = UrlHausHttp.layer({ authKey: Redacted.make(process.env.ABUSECH_AUTH_KEY ?? "") })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import type { Connector } from "@riposte/core"
import { type Layer, Redacted } from "effect"
import { UrlHaus } from "./UrlHaus.ts"

export interface Config {
  /** abuse.ch Auth-Key (https://auth.abuse.ch/), required by the API since 2025. */
  readonly authKey: Redacted.Redacted<string>
  /** Default `https://urlhaus-api.abuse.ch/v1`. */
  readonly baseUrl?: string | undefined
  /** Hosts allowed to receive the Auth-Key. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 15 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 2 MiB (a busy host lists up to 100 URLs). */
  readonly maxResponseBytes?: number | undefined
  /** Default: none (abuse.ch publishes no quota, only fair use). Set one to be a good citizen. */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
}

export const defaultBaseUrl = "https://urlhaus-api.abuse.ch/v1"

/**
 * The URLhaus implementation Layer.
 *
 * @example
 * ```ts
 * UrlHausHttp.layer({ authKey, rateLimit: { tokensPerInterval: 10, intervalMillis: 1_000 } })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"urlhaus">> => {
  const baseUrl = config.baseUrl ?? defaultBaseUrl
  return HttpConnector.implement(
    UrlHaus,
    {
      baseUrl,
      credentials: config.authKey,
      allowedHosts: config.allowedHosts ?? [new URL(baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 15_000,
      maxResponseBytes: config.maxResponseBytes ?? 2 * 1024 * 1024,
      rateLimit: config.rateLimit === false ? undefined : config.rateLimit,
      retry: config.retry,
    },
    (authKey) => ({ "Auth-Key": Redacted.value(authKey) }),
    {
      urlLookup: ({ url }) => ({ method: "POST", path: "/url/", form: { url } }),
      hostLookup: ({ host }) => ({ method: "POST", path: "/host/", form: { host: host.toLowerCase() } }),
    },
  )
}
