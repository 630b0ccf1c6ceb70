/**
 * The HTTP implementation of {@link Slack} over `@riposte/connector-kit`.
 *
 * Slack answers most failures with HTTP 200 and `{ ok: false, error }`; {@link errorReason}
 * maps those codes onto the usual reasons. Slack has no request deduplication: every message
 * carries the call's idempotency key in its metadata (`event_type: "riposte_action"`), and a
 * replayed call (at-least-once activities) posts a second, identifiable message — accepted and
 * documented, since a duplicate notification is harmless and an approval resolves once by token.
 *
 * @example
 * ```ts
 * import { SlackHttp } from "@riposte/connector-slack"
 * import { Redacted } from "effect"
 *
 * const SlackLive = SlackHttp.layer({ botToken: Redacted.make(process.env.SLACK_BOT_TOKEN ?? "") })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter, StatusMapping } from "@riposte/connector-kit"
import {
  Connector,
  ConnectorError,
  type ConnectorErrorReason,
  Forbidden,
  InvalidResponse,
  NotFound,
  RateLimited,
  ServerError,
  Unauthorized,
} from "@riposte/core"
import { Effect, type Layer, Redacted, Schema } from "effect"
import * as ApprovalMessage from "./ApprovalMessage.ts"
import { Posted, Slack } from "./Slack.ts"
import * as SlackText from "./SlackText.ts"

export interface Config {
  /** A bot token (`xoxb-…`) with `chat:write`. */
  readonly botToken: Redacted.Redacted<string>
  /** Default `https://slack.com/api`. */
  readonly baseUrl?: string | undefined
  /** Hosts allowed to receive the token. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 10 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 1 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Default: chat.postMessage's limit, 1 message per second. `false` disables. */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
}

export const defaultBaseUrl = "https://slack.com/api"
/** chat.postMessage: about one message per second per channel (short bursts tolerated). */
export const postMessageRateLimit: RateLimiter.Settings = { tokensPerInterval: 1, intervalMillis: 1_000 }

/** The metadata event type that carries the idempotency key. */
export const metadataEventType = "riposte_action"

const unauthorized = new Set([
  "not_authed",
  "invalid_auth",
  "account_inactive",
  "token_revoked",
  "token_expired",
])
const forbidden = new Set([
  "missing_scope",
  "not_in_channel",
  "restricted_action",
  "is_archived",
  "access_denied",
  "ekm_access_denied",
  "team_access_not_granted",
])
const notFound = new Set(["channel_not_found", "user_not_found", "thread_not_found"])
const serverSide = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout"])

/**
 * The reason for a Slack `{ ok: false, error }` code. Unknown codes become `InvalidResponse` at
 * `$.error` with the code (sanitised to `[a-z0-9_]`, at most 64 characters) in the detail.
 *
 * @example
 * ```ts
 * SlackHttp.errorReason("channel_not_found")._tag // "NotFound"
 * ```
 */
export const errorReason = (code: string | undefined): ConnectorErrorReason => {
  const c = (code ?? "unknown_error")
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, "")
    .slice(0, 64)
  if (unauthorized.has(c)) return new Unauthorized()
  if (forbidden.has(c)) return new Forbidden()
  if (notFound.has(c)) return new NotFound()
  if (c === "ratelimited" || c === "rate_limited") return new RateLimited({})
  if (serverSide.has(c)) return new ServerError({ status: 500 })
  return new InvalidResponse({ path: "$.error", detail: `slack error ${c}` })
}

const Envelope = Schema.Struct({ ok: Schema.Boolean, error: Schema.optional(Schema.String) })
const decodePosted = Schema.decodeUnknownEffect(Posted)

/**
 * The Slack implementation Layer.
 *
 * @example
 * ```ts
 * SlackHttp.layer({ botToken, rateLimit: false })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"slack">> => {
  const baseUrl = config.baseUrl ?? defaultBaseUrl
  const client = HttpConnector.make(
    "slack",
    {
      baseUrl,
      credentials: config.botToken,
      allowedHosts: config.allowedHosts ?? [new URL(baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 10_000,
      maxResponseBytes: config.maxResponseBytes ?? 1024 * 1024,
      rateLimit: config.rateLimit === false ? undefined : (config.rateLimit ?? postMessageRateLimit),
      retry: config.retry,
    },
    (token) => ({ Authorization: `Bearer ${Redacted.value(token)}` }),
  )
  const actions = Slack.actions
  const decode = <K extends keyof typeof actions>(action: K, input: unknown) =>
    HttpConnector.decodeInput<(typeof actions)[K]["input"]["Type"]>("slack", action, actions[action], input)

  const post = (action: keyof typeof actions, body: Record<string, unknown>, ctx: Connector.CallContext) =>
    Effect.gen(function* () {
      const fail = (reason: ConnectorErrorReason) =>
        new ConnectorError({ connector: "slack", action, reason })
      const raw = yield* client.execute(
        action,
        { output: Schema.Unknown, kind: "write" },
        {
          method: "POST",
          path: "/chat.postMessage",
          json: {
            ...body,
            metadata: {
              event_type: metadataEventType,
              event_payload: { idempotency_key: ctx.idempotencyKey },
            },
          },
          // Slack has no idempotency header; see the module docs.
          idempotencyHeader: false,
        },
        ctx,
      )
      const envelope = yield* Schema.decodeUnknownEffect(Envelope)(raw).pipe(
        Effect.mapError((e) => fail(StatusMapping.invalidResponse(e.issue))),
      )
      if (!envelope.ok) return yield* Effect.fail(fail(errorReason(envelope.error)))
      return yield* decodePosted(raw).pipe(
        Effect.mapError((e) => fail(StatusMapping.invalidResponse(e.issue))),
      )
    })

  return Connector.layer(Slack, {
    postMessage: (input, ctx) =>
      Effect.flatMap(decode("postMessage", input), ({ channel, text, format, threadTs }) =>
        post(
          "postMessage",
          {
            channel,
            text: format === "mrkdwn" ? text : SlackText.escape(text, 40_000),
            ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
            unfurl_links: false,
            unfurl_media: false,
          },
          ctx,
        ),
      ),
    approvalMessage: (input, ctx) =>
      Effect.flatMap(decode("approvalMessage", input), (approval) => {
        const { text, blocks } = ApprovalMessage.build(approval)
        return post(
          "approvalMessage",
          { channel: approval.channel, text, blocks, unfurl_links: false, unfurl_media: false },
          ctx,
        )
      }),
  })
}
