/**
 * The HTTP implementation of {@link Blocklist}: a small EDL service (`POST /edl/entries`,
 * `DELETE /edl/entries/{value}`, `GET /edl/entries`) whose plain-text list (`GET /edl/list`) the
 * firewalls poll. Adds and removes carry `Idempotency-Key`: the service applies a replay once.
 *
 * @example
 * ```ts
 * import { BlocklistHttp } from "@riposte/connector-blocklist"
 * import { Redacted } from "effect"
 *
 * const BlocklistLive = BlocklistHttp.layer({ baseUrl: "https://edl.corp.example", token: Redacted.make(process.env.EDL_TOKEN ?? "") })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import type { Connector } from "@riposte/core"
import { type Layer, Redacted, Schema } from "effect"
import { Blocklist } from "./Blocklist.ts"

export interface Config {
  /** Root of the EDL service (the routes start with `/edl`). */
  readonly baseUrl: string
  /** Bearer token of the EDL service. */
  readonly token: Redacted.Redacted<string>
  /** Hosts allowed to receive the token. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 10 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 8 MiB (a list of ~100 000 entries). */
  readonly maxResponseBytes?: number | undefined
  /** Default: none (a self-hosted service); set one to protect a shared one. */
  readonly rateLimit?: RateLimiter.Settings | undefined
  readonly retry?: ConnectorRetry.Options | undefined
}

const EntryList = Schema.Struct({
  entries: Schema.Array(Schema.Struct({ value: Schema.String, expiresAt: Schema.NullOr(Schema.Number) })),
})

/**
 * The blocklist implementation Layer.
 *
 * @example
 * ```ts
 * BlocklistHttp.layer({ baseUrl: "https://edl.corp.example", token, retry: { times: 3, base: 500, max: 10_000 } })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"blocklist">> =>
  HttpConnector.implement(
    Blocklist,
    {
      baseUrl: config.baseUrl,
      credentials: config.token,
      allowedHosts: config.allowedHosts ?? [new URL(config.baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 10_000,
      maxResponseBytes: config.maxResponseBytes ?? 8 * 1024 * 1024,
      rateLimit: config.rateLimit,
      retry: config.retry,
    },
    (token) => ({ authorization: `Bearer ${Redacted.value(token)}` }),
    {
      add: ({ value, ttlSeconds }) => ({
        method: "POST",
        path: "/edl/entries",
        json: ttlSeconds === undefined ? { value } : { value, ttlSeconds },
      }),
      remove: ({ value }) => ({
        method: "DELETE",
        path: `/edl/entries/${encodeURIComponent(value)}`,
        // 204 No Content: the entry is gone (a missing entry is 404 → NotFound).
        select: () => ({ value, removed: true }),
      }),
      list: () => ({
        method: "GET",
        path: "/edl/entries",
        select: (body) => {
          const decoded = Schema.decodeUnknownOption(EntryList)(body)
          return decoded._tag === "Some" ? { entries: decoded.value.entries.map((e) => e.value) } : body
        },
      }),
    },
  )
