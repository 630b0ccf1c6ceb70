/**
 * The implementation of {@link ExampleIntel} over HTTP with the connector kit: credentials as
 * `Redacted`, sent only to `allowedHosts`; errors mapped to `ConnectorError` reasons; retries,
 * timeouts, a response size cap and a shared rate limit.
 *
 * @example
 * ```ts
 * const ExampleIntelLive = ExampleIntelHttp.layer({ apiKey: Redacted.make(process.env.EXAMPLE_KEY ?? "") })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import type { Connector } from "@riposte/core"
import { type Layer, Redacted } from "effect"
import { ExampleIntel } from "./ExampleIntel.ts"

export interface Config {
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://api.example-intel.invalid/v1`. */
  readonly baseUrl?: string | undefined
  /** Hosts allowed to receive the key. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  readonly timeoutMillis?: number | undefined
  readonly maxResponseBytes?: number | undefined
  /** Set it from the vendor's published limits. */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
}

export const defaultBaseUrl = "https://api.example-intel.invalid/v1"

export const layer = (config: Config): Layer.Layer<Connector.Implementation<"example-intel">> => {
  const baseUrl = config.baseUrl ?? defaultBaseUrl
  return HttpConnector.implement(
    ExampleIntel,
    {
      baseUrl,
      credentials: config.apiKey,
      allowedHosts: config.allowedHosts ?? [new URL(baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 15_000,
      maxResponseBytes: config.maxResponseBytes ?? 1024 * 1024,
      rateLimit:
        config.rateLimit === false
          ? undefined
          : (config.rateLimit ?? { tokensPerInterval: 10, intervalMillis: 1_000 }),
      retry: config.retry,
    },
    // The only place the secret is unwrapped: the request header.
    (apiKey) => ({ Authorization: `Bearer ${Redacted.value(apiKey)}` }),
    {
      lookup: ({ indicator }) => ({ method: "GET", path: `/indicators/${encodeURIComponent(indicator)}` }),
      // Write actions get the engine's idempotency key as an Idempotency-Key header.
      report: ({ indicator, comment }) => ({
        method: "POST",
        path: "/reports",
        body: { indicator, comment },
      }),
    },
  )
}
