/**
 * The HTTP implementation of {@link UrlScan} over `@riposte/connector-kit`.
 *
 * No SafeFetch: the submitted URL is fetched by urlscan.io's scanners, never by this process;
 * Riposte only talks to the urlscan API host.
 *
 * @example
 * ```ts
 * import { UrlScanHttp } from "@riposte/connector-urlscan"
 * import { Redacted } from "effect"
 *
 * const UrlScanLive = UrlScanHttp.layer({ apiKey: Redacted.make(process.env.URLSCAN_API_KEY ?? "") })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import type { Connector } from "@riposte/core"
import { type Layer, Redacted } from "effect"
import { UrlScan } from "./UrlScan.ts"

export interface Config {
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://urlscan.io/api/v1`. */
  readonly baseUrl?: string | undefined
  /** Hosts allowed to receive the API key. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 20 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 20 MiB (results list every request the page made). */
  readonly maxResponseBytes?: number | undefined
  /** Default: the free plan's scan quota, 60 per minute (shared by both actions). `false` disables. */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
  /**
   * Visibility of submissions that do not set one. Default `private`: URLs from alerts can carry
   * a victim's tokens, and `public` scans are listed on urlscan.io for everyone.
   */
  readonly visibility?: "public" | "unlisted" | "private" | undefined
}

export const defaultBaseUrl = "https://urlscan.io/api/v1"
/** Free plan: 60 scans per minute (results: 120 per minute). */
export const freeRateLimit: RateLimiter.Settings = { tokensPerInterval: 60, intervalMillis: 60_000 }

/**
 * The urlscan.io implementation Layer.
 *
 * @example
 * ```ts
 * UrlScanHttp.layer({ apiKey, visibility: "unlisted" })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"urlscan">> => {
  const baseUrl = config.baseUrl ?? defaultBaseUrl
  const rateLimit = config.rateLimit === false ? undefined : (config.rateLimit ?? freeRateLimit)
  return HttpConnector.implement(
    UrlScan,
    {
      baseUrl,
      credentials: config.apiKey,
      allowedHosts: config.allowedHosts ?? [new URL(baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 20_000,
      maxResponseBytes: config.maxResponseBytes ?? 20 * 1024 * 1024,
      rateLimit,
      retry: config.retry,
    },
    (apiKey) => ({ "API-Key": Redacted.value(apiKey) }),
    {
      // urlscan.io has no request deduplication: a replayed submission queues a second scan of
      // the same URL (harmless; it costs one unit of quota). See README "Idempotency".
      submitScan: ({ url, visibility, tags }) => ({
        method: "POST",
        path: "/scan/",
        json: { url, visibility: visibility ?? config.visibility ?? "private", ...(tags ? { tags } : {}) },
        idempotencyHeader: false,
      }),
      scanResult: ({ uuid }) => ({
        method: "GET",
        path: `/result/${encodeURIComponent(uuid.toLowerCase())}/`,
      }),
    },
  )
}
