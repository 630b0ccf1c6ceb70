/**
 * Webhook intake: a WHATWG `(Request) => Promise<Response>` handler that verifies an HMAC-SHA256
 * signature, caps the body, parses it with `SafeJson`, normalizes it and persists every alert in
 * the `AlertInbox` BEFORE answering 202. Every rejected delivery is quarantined with its reason.
 *
 * | outcome                               | status | quarantine reason                      |
 * |---------------------------------------|--------|----------------------------------------|
 * | accepted (new or duplicate)           | 202    | –                                      |
 * | missing / wrong signature             | 401    | MissingSignature / BadSignature        |
 * | timestamp outside the replay window   | 401    | StaleTimestamp                         |
 * | body over `maxBodyBytes`              | 413    | TooLarge                               |
 * | not JSON / forbidden key / too deep   | 400    | MalformedJson / ForbiddenKey / TooDeep |
 * | no known alert shape / invalid alert  | 422    | UnknownShape / Invalid                 |
 * | inbox unavailable                     | 503    | – (the sender must retry)              |
 *
 * @since 0.1.0
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Cause, Clock, Effect, Redacted } from "effect"
import type { Alert, Vendor } from "./Alert.ts"
import { type Accepted, AlertInbox, type QuarantineReason } from "./AlertInbox.ts"
import * as Alerts from "./Alerts.ts"
import { readCapped } from "./internal/Body.ts"
import { toNodeListener as nodeListener } from "./internal/NodeListener.ts"
import * as SafeJson from "./SafeJson.ts"

export interface SignatureOptions {
  /** Header carrying the signature. Default `x-riposte-signature`. */
  readonly header?: string
  /** Encoding of the digest. Default `hex`. */
  readonly encoding?: "hex" | "base64"
  /** Prefix before the digest, e.g. `sha256=` (GitHub style). Default `sha256=`; `""` for none. */
  readonly prefix?: string
}

export interface Options {
  /** HMAC-SHA256 key shared with the sender. */
  readonly secret: Redacted.Redacted<string>
  readonly signature?: SignatureOptions
  /**
   * When set, the sender puts unix seconds in this header and signs `${timestamp}.${body}`;
   * deliveries outside `toleranceSeconds` (default 300) either way are rejected (replays).
   */
  readonly timestamp?: { readonly header: string; readonly toleranceSeconds?: number }
  /** Maximum body size in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number
  /** JSON limits (depth, keys). */
  readonly json?: Pick<SafeJson.Options, "maxDepth" | "maxKeys">
  /** Vendor of this endpoint; when absent the vendor is sniffed from each payload. */
  readonly vendor?: Vendor
  /** How much of a rejected body is kept in quarantine. Default 64 KiB. */
  readonly quarantineBodyBytes?: number
  /**
   * Called after the alert is persisted and the 202 is built, for new AND duplicate deliveries
   * (start or join the run idempotently). Not awaited by the response; failures are logged.
   */
  readonly onAccepted?: (
    alert: Alert,
    accepted: Accepted,
  ) => Effect.Effect<void, unknown> | Promise<void> | void
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

const KEPT_HEADERS = ["content-type", "content-length", "user-agent", "x-forwarded-for", "x-request-id"]

/** Computes the signature header value for `body` (for senders and tests). */
export const sign = (options: {
  readonly secret: Redacted.Redacted<string>
  readonly body: string | Uint8Array
  readonly timestamp?: number
  readonly encoding?: "hex" | "base64"
  readonly prefix?: string
}): string => {
  const mac = createHmac("sha256", Redacted.value(options.secret))
  if (options.timestamp !== undefined) mac.update(`${options.timestamp}.`)
  mac.update(options.body)
  return `${options.prefix ?? "sha256="}${mac.digest(options.encoding ?? "hex")}`
}

const decodeDigest = (text: string, encoding: "hex" | "base64"): Buffer | undefined => {
  if (encoding === "hex") return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, "hex") : undefined
  return /^[A-Za-z0-9+/_-]+=*$/.test(text) ? Buffer.from(text, "base64") : undefined
}

type Rejection = { readonly status: number; readonly reason: QuarantineReason; readonly detail: string }

const reject = (status: number, reason: QuarantineReason, detail: string): Rejection => ({
  status,
  reason,
  detail,
})

const jsonReason = (e: SafeJson.SafeJsonError): Rejection => {
  switch (e.reason) {
    case "TooLarge":
      return reject(413, "TooLarge", e.detail)
    case "Syntax":
      return reject(400, "MalformedJson", e.detail)
    default:
      return reject(400, e.reason, e.detail)
  }
}

/**
 * Builds the handler. Needs an `AlertInbox`; the returned function runs with the context it was
 * built in, so it can be handed to node:http (`toNodeListener`), Hono, Bun, Deno, …
 *
 * @example
 * ```ts
 * const handle = yield* Webhook.handler({
 *   secret: Redacted.make(process.env.WEBHOOK_SECRET!),
 *   timestamp: { header: "x-riposte-timestamp" },
 *   onAccepted: (alert) => engine.start(alert),
 * })
 * http.createServer(Webhook.toNodeListener(handle)).listen(8080)
 * ```
 */
export const handler = (
  options: Options,
): Effect.Effect<(request: Request) => Promise<Response>, never, AlertInbox> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<AlertInbox>()
    const inbox = yield* AlertInbox
    const runPromise = Effect.runPromiseWith(context)
    const runFork = Effect.runForkWith(context)
    const sigHeader = (options.signature?.header ?? "x-riposte-signature").toLowerCase()
    const encoding = options.signature?.encoding ?? "hex"
    const prefix = options.signature?.prefix ?? "sha256="
    const maxBody = options.maxBodyBytes ?? SafeJson.defaults.maxBytes
    const keepBody = options.quarantineBodyBytes ?? 64 * 1024
    const tolerance = options.timestamp?.toleranceSeconds ?? 300
    const kept = [
      ...KEPT_HEADERS,
      sigHeader,
      ...(options.timestamp ? [options.timestamp.header.toLowerCase()] : []),
    ]
    const decoder = new TextDecoder("utf-8", { fatal: true })

    const quarantine = (request: Request, bytes: Uint8Array, r: Rejection) =>
      Effect.gen(function* () {
        const headers: Record<string, string> = {}
        for (const h of kept) {
          const v = request.headers.get(h)
          if (v !== null) headers[h] = v.slice(0, 512)
        }
        const receivedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
        const body = new TextDecoder("utf-8").decode(bytes.subarray(0, keepBody))
        const { id } = yield* inbox.quarantine({
          reason: r.reason,
          detail: r.detail,
          body,
          headers,
          receivedAt,
        })
        return json(r.status, { error: r.reason, quarantineId: id })
      })

    const verify = (request: Request, bytes: Uint8Array) =>
      Effect.gen(function* () {
        const provided = request.headers.get(sigHeader)
        if (provided === null || provided === "")
          return reject(401, "MissingSignature", `no ${sigHeader} header`)
        let ts: number | undefined
        if (options.timestamp !== undefined) {
          const raw = request.headers.get(options.timestamp.header) ?? ""
          if (!/^\d{1,12}$/.test(raw)) return reject(401, "StaleTimestamp", `missing or malformed timestamp`)
          ts = Number(raw)
        }
        const digest = provided.startsWith(prefix)
          ? decodeDigest(provided.slice(prefix.length), encoding)
          : undefined
        const mac = createHmac("sha256", Redacted.value(options.secret))
        if (ts !== undefined) mac.update(`${ts}.`)
        const expected = mac.update(bytes).digest()
        if (digest === undefined || digest.length !== expected.length || !timingSafeEqual(digest, expected)) {
          return reject(401, "BadSignature", "signature does not match")
        }
        if (ts !== undefined) {
          const skew = Math.abs((yield* Clock.currentTimeMillis) / 1000 - ts)
          if (skew > tolerance) return reject(401, "StaleTimestamp", `timestamp ${Math.round(skew)} s off`)
        }
        return undefined
      })

    const handle = (request: Request, bytes: Uint8Array) =>
      Effect.gen(function* () {
        const bad = yield* verify(request, bytes)
        if (bad !== undefined) return yield* quarantine(request, bytes, bad)
        let text: string
        try {
          text = decoder.decode(bytes)
        } catch {
          return yield* quarantine(request, bytes, reject(400, "MalformedJson", "body is not UTF-8"))
        }
        const parsed = yield* Effect.result(SafeJson.parse(text, { ...options.json, maxBytes: maxBody }))
        if (parsed._tag === "Failure") return yield* quarantine(request, bytes, jsonReason(parsed.failure))
        const normalized = yield* Effect.result(
          options.vendor ? Alerts.normalize(options.vendor, parsed.success) : Alerts.detect(parsed.success),
        )
        if (normalized._tag === "Failure") {
          const e = normalized.failure
          return yield* quarantine(request, bytes, reject(422, e.reason._tag, e.message))
        }
        const alerts = normalized.success
        if (alerts.length === 0) {
          return yield* quarantine(request, bytes, reject(422, "UnknownShape", "payload holds no alerts"))
        }
        const accepted = yield* Effect.forEach(alerts, (alert) => inbox.accept(alert))
        const results = alerts.map((alert, i) => ({ alert, accepted: accepted[i]! }))
        if (options.onAccepted !== undefined) {
          const cb = options.onAccepted
          runFork(
            Effect.forEach(results, ({ alert, accepted }) =>
              Effect.suspend(() => {
                const out = cb(alert, accepted)
                return Effect.isEffect(out)
                  ? out
                  : Effect.tryPromise({ try: async () => out, catch: (e) => e })
              }).pipe(
                Effect.catchCause((cause) =>
                  Effect.logError("onAccepted failed", {
                    alertId: accepted.alertId,
                    cause: Cause.pretty(cause),
                  }),
                ),
              ),
            ),
          )
        }
        const view = results.map(({ alert, accepted }) => ({
          alertId: accepted.alertId,
          dedupKey: alert.dedupKey,
          status: accepted.status,
        }))
        return json(202, view.length === 1 ? view[0] : { alerts: view })
      })

    return async (request: Request): Promise<Response> => {
      if (request.method !== "POST") return json(405, { error: "MethodNotAllowed" })
      const body = await readCapped(request.body, maxBody).catch(() => undefined)
      if (body === undefined) return json(400, { error: "BodyReadFailed" })
      const program =
        body._tag === "TooLarge"
          ? quarantine(request, body.head, reject(413, "TooLarge", `body exceeds ${maxBody} bytes`))
          : handle(request, body.bytes)
      return runPromise(
        program.pipe(
          Effect.catchTag("AlertInboxError", (e) =>
            Effect.as(
              Effect.logError("alert inbox unavailable", e.detail),
              json(503, { error: "InboxUnavailable" }),
            ),
          ),
        ),
      )
    }
  })

/**
 * Adapts a handler to `node:http`.
 *
 * @example
 * ```ts
 * http.createServer(Webhook.toNodeListener(handle)).listen(0, "127.0.0.1")
 * ```
 */
export const toNodeListener: (
  handler: (request: Request) => Promise<Response>,
) => (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void =
  nodeListener
