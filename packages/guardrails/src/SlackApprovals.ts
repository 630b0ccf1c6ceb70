/**
 * Approvals from Slack buttons. The handler verifies Slack's request signature
 * (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret, constant-time compare),
 * refuses requests older than five minutes and signatures already seen, parses the interactive
 * payload (`payload=` form field, JSON), maps the Slack user to a Riposte user with your
 * function, and redeems the single-use token carried in the button's value.
 *
 * @example
 * ```ts
 * const handle = yield* SlackApprovals.handler({
 *   signingSecret: Redacted.make(process.env.SLACK_SIGNING_SECRET ?? ""),
 *   resolveUser: ({ userId }) => Effect.succeed(directory.bySlackId(userId)),
 * })
 * // post: SlackApprovals.blocks(request.summary, Redacted.value(yield* tokens.issue(request.id, { approver: "alice", ttl: "1 hour" })))
 * ```
 * @since 0.1.0
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Clock, Duration, Effect, Redacted } from "effect"
import type { User } from "./ApprovalHttp.ts"
import { ApprovalTokens } from "./ApprovalTokens.ts"
import { json, readLimited } from "./internal/WebIO.ts"

export interface Options {
  readonly signingSecret: Redacted.Redacted<string>
  /** Maps a Slack user (and workspace) to a Riposte user; `undefined` refuses the click. */
  readonly resolveUser: (slack: {
    readonly userId: string
    readonly teamId: string | null
  }) => Effect.Effect<User | undefined>
  /** Oldest accepted request timestamp. Default 5 minutes. */
  readonly replayWindow?: Duration.Input
}

/** Action ids of the two buttons built by {@link blocks}. */
export const APPROVE = "riposte_approve"
export const DENY = "riposte_deny"

const MAX_BODY = 64 * 1024
const MAX_SEEN = 10_000

/**
 * Block Kit blocks with Approve / Deny buttons carrying `token` (one token per approver).
 *
 * @example
 * ```ts
 * SlackApprovals.blocks("Isolate 3 hosts?", token)
 * ```
 */
export const blocks = (summary: string, token: string) => [
  { type: "section", text: { type: "mrkdwn", text: summary.slice(0, 2900) } },
  {
    type: "actions",
    elements: [
      {
        type: "button",
        action_id: APPROVE,
        style: "primary",
        text: { type: "plain_text", text: "Approve" },
        value: token,
      },
      {
        type: "button",
        action_id: DENY,
        style: "danger",
        text: { type: "plain_text", text: "Deny" },
        value: token,
      },
    ],
  },
]

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`. */
export const sign = (secret: Redacted.Redacted<string>, timestamp: string, body: string): string =>
  `v0=${createHmac("sha256", Redacted.value(secret)).update(`v0:${timestamp}:${body}`).digest("hex")}`

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a, "utf8")
  const y = Buffer.from(b, "utf8")
  return x.length === y.length && timingSafeEqual(x, y)
}

interface Click {
  readonly userId: string
  readonly teamId: string | null
  readonly decision: "approve" | "deny"
  readonly token: string
}

const str = (u: unknown, max: number): string | undefined =>
  typeof u === "string" && u.length > 0 && u.length <= max ? u : undefined

/** Reads the one button click we understand out of a hostile payload. */
const parseClick = (body: string): Click | undefined => {
  const raw = new URLSearchParams(body).get("payload")
  if (raw === null) return undefined
  let p: unknown
  try {
    p = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (typeof p !== "object" || p === null) return undefined
  const o = p as Record<string, unknown>
  if (o.type !== "block_actions") return undefined
  const user = o.user as Record<string, unknown> | undefined
  const team = o.team as Record<string, unknown> | undefined
  const actions = o.actions
  if (!Array.isArray(actions) || actions.length !== 1) return undefined
  const action = actions[0] as Record<string, unknown> | null
  const userId = str(user?.id, 64)
  const token = str(action?.value, 256)
  const id = action?.action_id
  if (userId === undefined || token === undefined || (id !== APPROVE && id !== DENY)) return undefined
  return {
    userId,
    teamId: str(team?.id, 64) ?? str(user?.team_id, 64) ?? null,
    decision: id === APPROVE ? "approve" : "deny",
    token,
  }
}

/**
 * Builds the Slack interactivity endpoint from the `ApprovalTokens` in context.
 *
 * @example
 * ```ts
 * const handle = yield* SlackApprovals.handler({ signingSecret, resolveUser })
 * ```
 */
export const handler = (
  options: Options,
): Effect.Effect<(req: Request) => Promise<Response>, never, ApprovalTokens> =>
  Effect.gen(function* () {
    const tokens = yield* ApprovalTokens
    const context = yield* Effect.context<never>()
    const windowMillis = Duration.toMillis(Duration.fromInputUnsafe(options.replayWindow ?? "5 minutes"))
    /** Signatures accepted within the window: a replayed request is refused. */
    const seen = new Map<string, number>()

    const route = (req: Request): Effect.Effect<Response> =>
      Effect.gen(function* () {
        if (req.method !== "POST") return json(405, { error: "MethodNotAllowed" })
        const timestamp = req.headers.get("x-slack-request-timestamp") ?? ""
        const signature = req.headers.get("x-slack-signature") ?? ""
        const body = yield* Effect.promise(() => readLimited(req, MAX_BODY))
        if (body === undefined) return json(413, { error: "PayloadTooLarge" })
        if (!/^\d{1,12}$/.test(timestamp)) return json(401, { error: "InvalidSignature" })
        const now = yield* Clock.currentTimeMillis
        if (Math.abs(now - Number(timestamp) * 1000) > windowMillis)
          return json(401, { error: "StaleRequest" })
        if (!safeEqual(signature, sign(options.signingSecret, timestamp, body)))
          return json(401, { error: "InvalidSignature" })
        for (const [sig, at] of seen) if (now - at > windowMillis) seen.delete(sig)
        if (seen.has(signature)) return json(401, { error: "ReplayedRequest" })
        if (seen.size >= MAX_SEEN) seen.delete(seen.keys().next().value!)
        seen.set(signature, now)
        const click = parseClick(body)
        if (click === undefined) return json(400, { error: "UnsupportedPayload" })
        const user = yield* options.resolveUser({ userId: click.userId, teamId: click.teamId })
        if (user === undefined)
          return json(200, {
            response_type: "ephemeral",
            replace_original: false,
            text: "You are not a Riposte approver.",
          })
        return yield* tokens.redeem(click.token, click.decision, user).pipe(
          Effect.map((a) =>
            json(200, {
              replace_original: false,
              text: `${user.actor} ${click.decision === "approve" ? "approved" : "denied"}: ${a.decision === "pending" ? `${a.approvers.length}/${a.quorum} approvals` : a.decision}`,
            }),
          ),
          Effect.catch((e) =>
            Effect.succeed(
              json(200, {
                response_type: "ephemeral",
                replace_original: false,
                text: `Refused: ${e._tag === "ApprovalError" ? e.reason : "internal error"}`,
              }),
            ),
          ),
        )
      }).pipe(Effect.catchDefect(() => Effect.succeed(json(500, { error: "Internal" }))))

    return (req: Request) => Effect.runPromiseWith(context)(route(req))
  })
