/**
 * The HTTP implementation of {@link VirusTotal} over `@riposte/connector-kit`.
 *
 * @example
 * ```ts
 * import { VirusTotalHttp } from "@riposte/connector-virustotal"
 * import { Redacted } from "effect"
 *
 * const VirusTotalLive = VirusTotalHttp.layer({ apiKey: Redacted.make(process.env.VT_API_KEY ?? "") })
 * ```
 * @since 0.1.0
 */
import { HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import type { Connector } from "@riposte/core"
import { type Layer, Redacted } from "effect"
import { VirusTotal } from "./VirusTotal.ts"

export interface Config {
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://www.virustotal.com/api/v3`. */
  readonly baseUrl?: string | undefined
  /** Hosts allowed to receive the API key. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 20 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 5 MiB (URL reports with every engine result are ~25 KiB). */
  readonly maxResponseBytes?: number | undefined
  /** Default: the public API quota, 4 requests per minute. `false` disables (premium keys: set yours). */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: import("@riposte/connector-kit").ConnectorRetry.Options | undefined
}

export const defaultBaseUrl = "https://www.virustotal.com/api/v3"
export const publicRateLimit: RateLimiter.Settings = { tokensPerInterval: 4, intervalMillis: 60_000 }

/** VirusTotal's URL identifier: the URL, base64url-encoded without padding. */
export const urlId = (url: string): string => Buffer.from(url, "utf8").toString("base64url")

/**
 * The VirusTotal implementation Layer.
 *
 * @example
 * ```ts
 * VirusTotalHttp.layer({ apiKey, rateLimit: { tokensPerInterval: 1000, intervalMillis: 60_000 } })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"virustotal">> => {
  const baseUrl = config.baseUrl ?? defaultBaseUrl
  const rateLimit = config.rateLimit === false ? undefined : (config.rateLimit ?? publicRateLimit)
  return HttpConnector.implement(
    VirusTotal,
    {
      baseUrl,
      credentials: config.apiKey,
      allowedHosts: config.allowedHosts ?? [new URL(baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 20_000,
      maxResponseBytes: config.maxResponseBytes ?? 5 * 1024 * 1024,
      rateLimit,
      retry: config.retry,
    },
    (apiKey) => ({ "x-apikey": Redacted.value(apiKey) }),
    {
      fileReport: ({ hash }) => ({ method: "GET", path: `/files/${encodeURIComponent(hash.toLowerCase())}` }),
      urlReport: ({ url }) => ({ method: "GET", path: `/urls/${urlId(url)}` }),
      domainReport: ({ domain }) => ({
        method: "GET",
        path: `/domains/${encodeURIComponent(domain.toLowerCase())}`,
      }),
      ipReport: ({ ip }) => ({ method: "GET", path: `/ip_addresses/${encodeURIComponent(ip)}` }),
      // VirusTotal ignores Idempotency-Key; a duplicate submission only queues a second analysis.
      submitUrl: ({ url }) => ({ method: "POST", path: "/urls", form: { url } }),
    },
  )
}
