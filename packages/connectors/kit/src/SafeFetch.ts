/**
 * SSRF-guarded fetch for URLs that come from alerts (detonation, unshortening, screenshots).
 *
 * - Only `http:`/`https:`.
 * - The destination address is checked at CONNECT time: the undici Agent's `connect.lookup`
 *   resolves the host (every address) and refuses the connection if ANY address is private,
 *   loopback, link-local, cloud metadata, CGNAT, multicast or reserved, including IPv4-mapped
 *   IPv6 forms. The address checked is the one connected to, so DNS rebinding cannot slip
 *   between a check and the connect. IP-literal URLs (which skip DNS) are checked up front.
 * - Redirects are followed by hand (at most `maxRedirects`) and every hop is checked again.
 * - `allow` lists on-premises destinations: a CIDR (`10.20.0.0/16`), an exact `host:port`, or a
 *   hostname. An allowed `host:port`/hostname skips the address check for that hop only.
 * - `resolve` replaces DNS (tests map names such as `rebind.test` to 127.0.0.1 with it).
 *
 * Failures are reasons: `Refused` (blocked destination, bad scheme, too many redirects),
 * `Timeout`, `Transport`, `InvalidResponse` (body over `maxResponseBytes`).
 *
 * @example
 * ```ts
 * import { SafeFetch } from "@riposte/connector-kit"
 *
 * const program = Effect.gen(function* () {
 *   const fetcher = yield* SafeFetch.make({ maxRedirects: 5 })
 *   const res = yield* fetcher.fetch("https://bit.ly/abc") // res.url is the final hop
 * })
 * ```
 * @since 0.1.0
 */

import type { LookupAddress } from "node:dns"
import dns from "node:dns"
import net from "node:net"
import { Refused } from "@riposte/core"
import { Effect, type Scope } from "effect"
import { Agent } from "undici"
import { isBlockedAddress, parseCidr } from "./internal/ipRanges.ts"
import { type RawResponse, refusedCode, send, type TransportReason } from "./internal/transport.ts"

export type Resolver = (
  hostname: string,
) => Promise<ReadonlyArray<{ readonly address: string; readonly family: number }>>

export interface Options {
  /** On-premises destinations allowed despite the guard: CIDRs, exact `host:port`, or hostnames. */
  readonly allow?: ReadonlyArray<string> | undefined
  /** Default 5. */
  readonly maxRedirects?: number | undefined
  /** Per hop. Default 15 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 5 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** DNS replacement (tests). Default: `dns.lookup` with `all: true`. */
  readonly resolve?: Resolver | undefined
}

export interface Response extends RawResponse {
  /** The URL of the final hop. */
  readonly url: string
  /** Every URL visited, first to last. */
  readonly hops: ReadonlyArray<string>
}

export interface Fetcher {
  readonly fetch: (
    url: string,
    init?: { readonly method?: "GET" | "HEAD"; readonly headers?: Readonly<Record<string, string>> },
  ) => Effect.Effect<Response, TransportReason>
}

const defaultResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true })

const refusal = (detail: string) =>
  Object.assign(new Error("destination refused"), { code: refusedCode, refusal: detail })

const stripBrackets = (hostname: string) => (hostname.startsWith("[") ? hostname.slice(1, -1) : hostname)

/**
 * Creates a guarded fetcher; its connection pools close with the scope.
 *
 * @example
 * ```ts
 * const fetcher = yield* SafeFetch.make({ allow: ["sandbox.corp.example:8443", "10.20.0.0/16"] })
 * ```
 */
export const make = (options: Options = {}): Effect.Effect<Fetcher, never, Scope.Scope> =>
  Effect.gen(function* () {
    const maxRedirects = options.maxRedirects ?? 5
    const timeoutMillis = options.timeoutMillis ?? 15_000
    const maxResponseBytes = options.maxResponseBytes ?? 5 * 1024 * 1024
    const resolve = options.resolve ?? defaultResolver
    const cidrs: Array<(address: string) => boolean> = []
    const names = new Set<string>()
    for (const entry of options.allow ?? []) {
      const cidr = parseCidr(entry)
      if (cidr === undefined) names.add(entry.toLowerCase())
      else cidrs.push(cidr)
    }
    const addressAllowed = (address: string) => !isBlockedAddress(address) || cidrs.some((m) => m(address))

    const guardedLookup = (
      hostname: string,
      lookupOptions: { readonly all?: boolean },
      callback: (error: Error | null, address?: string | Array<LookupAddress>, family?: number) => void,
    ) => {
      resolve(hostname).then(
        (addresses) => {
          if (addresses.length === 0)
            return callback(Object.assign(new Error("no address"), { code: "ENOTFOUND" }))
          if (!addresses.every((a) => addressAllowed(a.address))) {
            return callback(refusal(`${hostname} resolves to a blocked address`))
          }
          if (lookupOptions.all === true)
            return callback(
              null,
              addresses.map((a) => ({ ...a })),
            )
          const first = addresses[0] as LookupAddress
          callback(null, first.address, first.family)
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error("lookup failed")),
      )
    }
    const guarded = yield* Effect.acquireRelease(
      Effect.sync(() => new Agent({ connect: { lookup: guardedLookup as never } })),
      (agent) => Effect.promise(() => agent.close()),
    )
    const trusted = yield* Effect.acquireRelease(
      Effect.sync(() => new Agent()),
      (agent) => Effect.promise(() => agent.close()),
    )

    /** Picks the dispatcher for one hop, or refuses it. */
    const route = (url: URL): Agent | Refused => {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return new Refused({ detail: `scheme ${url.protocol} is not allowed` })
      }
      if (url.username !== "" || url.password !== "") return new Refused({ detail: "credentials in URL" })
      if (names.has(url.host.toLowerCase()) || names.has(url.hostname.toLowerCase())) return trusted
      const hostname = stripBrackets(url.hostname)
      if (net.isIP(hostname) !== 0 && !addressAllowed(hostname)) {
        return new Refused({ detail: `${hostname} is a blocked address` })
      }
      return guarded
    }

    const fetch: Fetcher["fetch"] = (input, init) =>
      Effect.gen(function* () {
        const hops: Array<string> = []
        let url: URL
        try {
          url = new URL(input)
        } catch {
          return yield* Effect.fail(new Refused({ detail: "not a valid URL" }))
        }
        while (true) {
          hops.push(url.href)
          const dispatcher = route(url)
          if (dispatcher instanceof Refused) return yield* Effect.fail(dispatcher)
          const response = yield* send({
            url,
            method: init?.method ?? "GET",
            // Caller headers go to the first origin only, never across a redirect.
            headers: hops.length === 1 ? { ...init?.headers } : {},
            dispatcher,
            timeoutMillis,
            maxResponseBytes,
          })
          const location = response.headers.location
          if (response.status < 300 || response.status >= 400 || location === undefined) {
            return { ...response, url: url.href, hops }
          }
          if (hops.length > maxRedirects) {
            return yield* Effect.fail(new Refused({ detail: `more than ${maxRedirects} redirects` }))
          }
          try {
            url = new URL(typeof location === "string" ? location : String(location[0]), url)
          } catch {
            return yield* Effect.fail(new Refused({ detail: "invalid redirect location" }))
          }
        }
      }).pipe(Effect.withSpan("SafeFetch.fetch"))
    return { fetch }
  })
