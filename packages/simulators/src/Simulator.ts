/**
 * Loopback vendor simulators: small real HTTP servers (node:http on 127.0.0.1, port 0) that
 * serve recorded API shapes under one path prefix per vendor (`/virustotal/api/v3/...`).
 *
 * - `latency` delays every answer by a uniform random time in [minMillis, maxMillis].
 * - `failureRate` answers that fraction of calls with 503 (`Retry-After: 1`) before handling
 *   them (no state change, idempotency key not recorded).
 * - Every call is counted per vendor, method and route pattern (`calls()`).
 * - Write/destructive routes honour `Idempotency-Key`: a repeated key (per vendor) replays the
 *   first answer without applying it again; repeats are counted in `duplicateKeys()`.
 * - Mail (Graph), Okta, Falcon, EDL, Jira and TheHive keep state the test can seed and inspect.
 *
 * @example
 * ```ts
 * import { Simulator } from "@riposte/simulators"
 *
 * const sim = await Simulator.start({ vendors: ["virustotal"], latency: { minMillis: 5, maxMillis: 20 } })
 * const baseUrl = `${sim.urlOf("virustotal")}/api/v3`
 * // ... run the connector against baseUrl ...
 * sim.calls() // { "GET /virustotal/api/v3/files/:id": 1 }
 * await sim.close()
 * ```
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"
import * as Collaboration from "./internal/collaboration.ts"
import { fixture as loadFixture } from "./internal/fixtures.ts"
import * as GraphMail from "./internal/graphMail.ts"
import * as Responders from "./internal/response.ts"
import { type CompiledRoute, compile, match, type Reply, type Route } from "./internal/router.ts"
import * as ThreatIntel from "./internal/threatIntel.ts"

export const vendors = [
  "virustotal",
  "urlscan",
  "urlhaus",
  "abuseipdb",
  "misp",
  "graph",
  "slack",
  "jira",
  "thehive",
  "okta",
  "falcon",
  "edl",
] as const
export type Vendor = (typeof vendors)[number]

/**
 * A fresh copy of a recorded fixture, by path under `fixtures/` (e.g. `"virustotal/url.json"`),
 * for contract suites.
 *
 * @example
 * ```ts
 * const recorded = Simulator.fixture("virustotal/domain.json")
 * ```
 */
export const fixture = <A = unknown>(path: string): A => loadFixture<A>(path)

/** Indicator value every threat-intel simulator treats as unknown (404 / no results). */
export const unknownIndicator = ThreatIntel.unknownIndicator

export interface Options {
  /** Vendors to host (default: all). */
  readonly vendors?: ReadonlyArray<Vendor> | undefined
  readonly latency?: { readonly minMillis: number; readonly maxMillis: number } | undefined
  /** Fraction of calls answered with 503, in [0, 1]. Default 0. */
  readonly failureRate?: number | undefined
  /** Random source in [0, 1) for latency and failures (default `Math.random`). */
  readonly random?: (() => number) | undefined
  /** Clock for TTLs (default `Date.now`). */
  readonly now?: (() => number) | undefined
  /** Request body cap in bytes (default 1 MiB): larger bodies get 413. */
  readonly maxBodyBytes?: number | undefined
}

const makeState = (now: () => number) => {
  const reputation = ThreatIntel.reputation()
  const jira = Collaboration.jira()
  const thehive = Collaboration.thehive()
  const mail = GraphMail.make()
  const okta = Responders.okta()
  const falcon = Responders.falcon()
  const edl = Responders.edl(now)
  const routes: Record<Vendor, ReadonlyArray<Route>> = {
    virustotal: ThreatIntel.virustotal(reputation),
    urlscan: ThreatIntel.urlscan,
    urlhaus: ThreatIntel.urlhaus,
    abuseipdb: ThreatIntel.abuseipdb,
    misp: ThreatIntel.misp(),
    graph: mail.routes,
    slack: Collaboration.slack(),
    jira: jira.routes,
    thehive: thehive.routes,
    okta: okta.routes,
    falcon: falcon.routes,
    edl: edl.routes,
  }
  return { routes, reputation, jira, thehive, mail, okta, falcon, edl }
}
type State = ReturnType<typeof makeState>

export interface Handle {
  /** Root URL (`http://127.0.0.1:<port>`). */
  readonly url: string
  /** Base URL of one vendor: root + `/<vendor>`. */
  readonly urlOf: (vendor: Vendor) => string
  /** Calls so far, keyed `"<METHOD> /<vendor><route pattern>"` (unmatched: `"<METHOD> <unmatched>"`). */
  readonly calls: () => Readonly<Record<string, number>>
  /** Repeated idempotency keys, keyed `"<vendor>:<key>"` → number of repeats. */
  readonly duplicateKeys: () => Readonly<Record<string, number>>
  /** Clears counts, idempotency records and every vendor's state (back to the default seed). */
  readonly reset: () => void
  readonly close: () => Promise<void>
  /** Graph mailboxes. */
  readonly mail: GraphMail.MailStore
  /** Seeded VirusTotal verdicts: `sim.reputation.set("evil.example", "malicious")`. */
  readonly reputation: ThreatIntel.Reputation
  readonly okta: {
    readonly seed: State["okta"]["seed"]
    readonly user: (id: string) => Responders.OktaUser | undefined
  }
  readonly falcon: {
    readonly seed: State["falcon"]["seed"]
    readonly seedDetections: State["falcon"]["seedDetections"]
    readonly host: (id: string) => Responders.FalconHost | undefined
  }
  readonly edl: { readonly entries: () => ReadonlyArray<Responders.EdlEntry> }
  readonly jira: { readonly issue: (idOrKey: string) => { status: string; comments: number } | undefined }
}

const readBody = (req: IncomingMessage, max: number): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength
      if (size > max) {
        resolve(undefined)
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const parseBody = (raw: string, contentType: string | undefined): unknown => {
  if (raw === "") return undefined
  if (contentType?.includes("application/x-www-form-urlencoded"))
    return Object.fromEntries(new URLSearchParams(raw))
  return JSON.parse(raw)
}

const send = (res: ServerResponse, reply: Reply) => {
  if (reply.text !== undefined) {
    res
      .writeHead(reply.status, { "content-type": "text/plain; charset=utf-8", ...reply.headers })
      .end(reply.text)
  } else if (reply.body === undefined) {
    res.writeHead(reply.status, { ...reply.headers }).end()
  } else {
    res
      .writeHead(reply.status, { "content-type": "application/json", ...reply.headers })
      .end(JSON.stringify(reply.body))
  }
}

/**
 * Starts a simulator hosting `options.vendors` (default all).
 *
 * @example
 * ```ts
 * const sim = await Simulator.start({ vendors: ["okta"], failureRate: 0.1 })
 * ```
 */
export const start = async (options: Options = {}): Promise<Handle> => {
  const hosted = new Set<Vendor>(options.vendors ?? vendors)
  const random = options.random ?? Math.random
  const now = options.now ?? Date.now
  const failureRate = options.failureRate ?? 0
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
  let state = makeState(now)
  let compiled = new Map<Vendor, ReadonlyArray<CompiledRoute>>()
  const build = () => {
    compiled = new Map([...hosted].map((v) => [v, state.routes[v].map(compile)]))
  }
  build()
  const counts = new Map<string, number>()
  const replies = new Map<string, Reply>()
  const duplicates = new Map<string, number>()
  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)

  const handle = async (req: IncomingMessage): Promise<Reply> => {
    const method = req.method ?? "GET"
    const url = new URL(req.url ?? "/", "http://simulator")
    const [, vendorName, ...rest] = url.pathname.split("/")
    const vendor = hosted.has(vendorName as Vendor) ? (vendorName as Vendor) : undefined
    const found =
      vendor === undefined ? undefined : match(compiled.get(vendor) ?? [], method, `/${rest.join("/")}`)
    if (vendor === undefined || found === undefined) {
      count(`${method} <unmatched>`)
      return {
        status: 404,
        body: { error: { code: "NoRoute", message: `no simulated route for ${method} ${url.pathname}` } },
      }
    }
    count(`${method} /${vendor}${found.route.pattern}`)
    if (options.latency !== undefined) {
      const { minMillis, maxMillis } = options.latency
      await new Promise((r) => setTimeout(r, minMillis + random() * (maxMillis - minMillis)))
    }
    if (failureRate > 0 && random() < failureRate) {
      return {
        status: 503,
        body: { error: { code: "ServiceUnavailable", message: "simulated failure" } },
        headers: { "retry-after": "1" },
      }
    }
    const raw = await readBody(req, maxBodyBytes)
    if (raw === undefined)
      return { status: 413, body: { error: { code: "PayloadTooLarge", message: "body too large" } } }
    let body: unknown
    try {
      body = parseBody(raw, req.headers["content-type"])
    } catch {
      return { status: 400, body: { error: { code: "BadRequest", message: "malformed body" } } }
    }
    const key = req.headers["idempotency-key"]
    const idempotencyKey =
      found.route.write === true && typeof key === "string" && key !== "" ? `${vendor}:${key}` : undefined
    if (idempotencyKey !== undefined) {
      const previous = replies.get(idempotencyKey)
      if (previous !== undefined) {
        duplicates.set(idempotencyKey, (duplicates.get(idempotencyKey) ?? 0) + 1)
        return previous
      }
    }
    const reply = found.route.handle({
      method,
      path: `/${rest.join("/")}`,
      params: found.params,
      query: url.searchParams,
      headers: req.headers,
      body,
    })
    if (idempotencyKey !== undefined && reply.status < 500) replies.set(idempotencyKey, reply)
    return reply
  }

  const server = createServer((req, res) => {
    handle(req).then(
      (reply) => send(res, reply),
      () =>
        send(res, { status: 500, body: { error: { code: "InternalError", message: "simulator error" } } }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    urlOf: (vendor) => `${url}/${vendor}`,
    calls: () => Object.fromEntries(counts),
    duplicateKeys: () => Object.fromEntries(duplicates),
    reset: () => {
      counts.clear()
      replies.clear()
      duplicates.clear()
      state = makeState(now)
      build()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
    get mail() {
      return state.mail.store
    },
    get reputation() {
      return state.reputation
    },
    get okta() {
      return { seed: state.okta.seed, user: (id: string) => state.okta.users.get(id) }
    },
    get falcon() {
      return {
        seed: state.falcon.seed,
        seedDetections: state.falcon.seedDetections,
        host: (id: string) => state.falcon.hosts.get(id),
      }
    },
    get edl() {
      return { entries: state.edl.entries }
    },
    get jira() {
      return {
        issue: (idOrKey: string) => {
          const issue = [...state.jira.issues.values()].find((i) => i.id === idOrKey || i.key === idOrKey)
          return issue === undefined ? undefined : { status: issue.status, comments: issue.comments.length }
        },
      }
    },
  }
}

/**
 * Starts one server hosting every vendor under its prefix.
 *
 * @example
 * ```ts
 * const sim = await Simulator.startAll({ latency: { minMillis: 0, maxMillis: 5 } })
 * ```
 */
export const startAll = (options: Omit<Options, "vendors"> = {}): Promise<Handle> => start(options)

/**
 * A simulator closed with the scope (for `it.effect` / Layers).
 *
 * @example
 * ```ts
 * const sim = yield* Simulator.scoped({ vendors: ["virustotal"] })
 * ```
 */
export const scoped = (options: Options = {}): Effect.Effect<Handle, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (sim) => Effect.promise(() => sim.close()),
  )
