/**
 * The HTTP implementation of {@link AbuseIpDb} over `@riposte/connector-kit`.
 *
 * @example
 * ```ts
 * import { AbuseIpDbHttp } from "@riposte/connector-abuseipdb"
 * import { Redacted } from "effect"
 *
 * const AbuseIpDbLive = AbuseIpDbHttp.layer({ apiKey: Redacted.make(process.env.ABUSEIPDB_KEY ?? "") })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import type { Connector } from "@riposte/core"
import { type Layer, Redacted } from "effect"
import { AbuseIpDb } from "./AbuseIpDb.ts"

export interface Config {
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://api.abuseipdb.com/api/v2`. */
  readonly baseUrl?: string | undefined
  /** Hosts allowed to receive the API key. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 15 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 1 MiB (a non-verbose check is < 1 KiB). */
  readonly maxResponseBytes?: number | undefined
  /** Default: the free plan's `check` quota, 1 000 per day. `false` disables. */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
  /** Reports older than this are ignored by AbuseIPDB. Default 90 (the API's default is 30). */
  readonly maxAgeInDays?: number | undefined
}

export const defaultBaseUrl = "https://api.abuseipdb.com/api/v2"
/** Free ("Individual") plan: 1 000 `check` calls per day. */
export const freeRateLimit: RateLimiter.Settings = { tokensPerInterval: 1_000, intervalMillis: 86_400_000 }

/**
 * The AbuseIPDB implementation Layer.
 *
 * @example
 * ```ts
 * AbuseIpDbHttp.layer({ apiKey, rateLimit: { tokensPerInterval: 10_000, intervalMillis: 86_400_000 } })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"abuseipdb">> => {
  const baseUrl = config.baseUrl ?? defaultBaseUrl
  const rateLimit = config.rateLimit === false ? undefined : (config.rateLimit ?? freeRateLimit)
  return HttpConnector.implement(
    AbuseIpDb,
    {
      baseUrl,
      credentials: config.apiKey,
      allowedHosts: config.allowedHosts ?? [new URL(baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 15_000,
      maxResponseBytes: config.maxResponseBytes ?? 1024 * 1024,
      rateLimit,
      retry: config.retry,
    },
    (apiKey) => ({ Key: Redacted.value(apiKey) }),
    {
      checkIp: ({ ip, maxAgeInDays }) => ({
        method: "GET",
        path: "/check",
        query: { ipAddress: ip, maxAgeInDays: maxAgeInDays ?? config.maxAgeInDays ?? 90 },
      }),
    },
  )
}
