/**
 * A JSON approval API as a Fetch-API handler (`(Request) => Promise<Response>`), for any server
 * (node:http via an adapter, Bun, Deno, a framework route):
 *
 * | route | body | who |
 * | ----- | ---- | --- |
 * | `GET /approvals` | — | pending requests the user's roles can decide |
 * | `GET /approvals/:id` | — | one request (404 unless the user's roles can decide it) |
 * | `POST /approvals/:id/decision` | `{ decision, comment?, payloadHash? }` | an authenticated user |
 * | `POST /approvals/redeem` | `{ token, decision, comment? }` | an authenticated user holding a token link |
 *
 * Every route needs `authenticate` to return a user; POST bodies must be `application/json`
 * (a cross-site form cannot send that without a CORS preflight) and at most 16 KiB.
 *
 * @example
 * ```ts
 * const handle = yield* ApprovalHttp.handler({
 *   authenticate: (req) => Effect.succeed(sessionUser(req)),
 * })
 * Bun.serve({ fetch: handle })
 * ```
 * @since 0.1.0
 */
import { type CaseModel, CaseStore, Engine } from "@riposte/core"
import { Effect, Schema } from "effect"
import { ApprovalTokens } from "./ApprovalTokens.ts"
import { json, readLimited, statusOfRefusal } from "./internal/WebIO.ts"

/** The authenticated caller. Roles come from your identity provider, never from the request. */
export interface User {
  readonly actor: string
  readonly roles: ReadonlyArray<string>
}

export interface Options {
  /** Resolves the caller from the request (session cookie, bearer token…); `undefined` → 401. */
  readonly authenticate: (req: Request) => Effect.Effect<User | undefined>
  /** Path prefix, e.g. `"/api"`. Default `""`. */
  readonly basePath?: string
}

const MAX_BODY = 16 * 1024

const Decision = Schema.Literals(["approve", "deny"])
const Comment = Schema.String.check(Schema.isMaxLength(2000))
const DecisionBody = Schema.Struct({
  decision: Decision,
  comment: Schema.optional(Comment),
  payloadHash: Schema.optional(Schema.String.check(Schema.isMaxLength(128))),
})
const RedeemBody = Schema.Struct({
  token: Schema.String.check(Schema.isMaxLength(256)),
  decision: Decision,
  comment: Schema.optional(Comment),
})

const visibleTo = (user: User, a: CaseModel.ApprovalRecord) => user.roles.some((r) => a.roles.includes(r))

/** What an approver is shown: enough to decide, nothing from the workflow internals. */
const present = (a: CaseModel.ApprovalRecord) => ({
  id: a.id,
  caseId: a.caseId,
  gate: a.gate,
  summary: a.summary,
  payloadHash: a.payloadHash,
  decision: a.decision,
  approvers: a.approvers,
  roles: a.roles,
  quorum: a.quorum,
  requester: a.requester,
  requestedAt: a.requestedAt,
  expiresAt: a.expiresAt,
  decidedAt: a.decidedAt,
})

type Failure = { readonly _tag: string; readonly reason?: unknown }

/** Maps the typed failures of the engine, the case store and the token store to responses. */
const respond = (e: Failure): Response => {
  if (e._tag === "ApprovalError") return json(statusOfRefusal(String(e.reason)), { error: e.reason })
  if (e._tag === "CaseStoreError" && e.reason === "NotFound") return json(404, { error: "NotFound" })
  return json(500, { error: "Internal" })
}

/**
 * Builds the handler from the `Engine`, `CaseStore` and `ApprovalTokens` in context.
 *
 * @example
 * ```ts
 * const handle = yield* ApprovalHttp.handler({ authenticate: () => Effect.succeed({ actor: "alice", roles: ["soc-lead"] }) })
 * const res = await handle(new Request("http://localhost/approvals"))
 * ```
 */
export const handler = (
  options: Options,
): Effect.Effect<
  (req: Request) => Promise<Response>,
  never,
  Engine.Engine | CaseStore.CaseStore | ApprovalTokens
> =>
  Effect.gen(function* () {
    const engine = yield* Engine.Engine
    const store = yield* CaseStore.CaseStore
    const tokens = yield* ApprovalTokens
    const context = yield* Effect.context<never>()
    const base = options.basePath ?? ""

    const body = <S extends Schema.Top>(req: Request, schema: S) =>
      Effect.gen(function* () {
        const type = req.headers.get("content-type") ?? ""
        if (!/^application\/json(\s*;|$)/i.test(type)) return json(415, { error: "UnsupportedMediaType" })
        const text = yield* Effect.promise(() => readLimited(req, MAX_BODY))
        if (text === undefined) return json(413, { error: "PayloadTooLarge" })
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch {
          return json(400, { error: "InvalidJson" })
        }
        return yield* Schema.decodeUnknownEffect(schema as unknown as Schema.Codec<S["Type"], unknown>)(
          parsed,
        ).pipe(Effect.catch(() => Effect.succeed(json(400, { error: "InvalidBody" }))))
      })

    const route = (req: Request): Effect.Effect<Response> =>
      Effect.gen(function* () {
        const url = new URL(req.url)
        if (!url.pathname.startsWith(`${base}/approvals`)) return json(404, { error: "NotFound" })
        const path = url.pathname.slice(base.length)
        const user = yield* options.authenticate(req)
        if (user === undefined) return json(401, { error: "Unauthenticated" })
        if (path === "/approvals" && req.method === "GET") {
          const pending = yield* engine.pendingApprovals()
          return json(200, { approvals: pending.filter((a) => visibleTo(user, a)).map(present) })
        }
        if (path === "/approvals/redeem" && req.method === "POST") {
          const b = yield* body(req, RedeemBody)
          if (b instanceof Response) return b
          const decided = yield* tokens.redeem(b.token, b.decision, user, {
            ...(b.comment === undefined ? {} : { comment: b.comment }),
          })
          return json(200, { approval: present(decided) })
        }
        const match = /^\/approvals\/([^/]{1,200})(\/decision)?$/.exec(path)
        if (match === null) return json(404, { error: "NotFound" })
        let id: string
        try {
          id = decodeURIComponent(match[1]!)
        } catch {
          return json(400, { error: "InvalidId" })
        }
        if (match[2] === undefined && req.method === "GET") {
          const a = yield* store.getApproval(id)
          return visibleTo(user, a) ? json(200, { approval: present(a) }) : json(404, { error: "NotFound" })
        }
        if (match[2] !== undefined && req.method === "POST") {
          const b = yield* body(req, DecisionBody)
          if (b instanceof Response) return b
          const decided = yield* engine.decide(id, {
            decision: b.decision,
            actor: user.actor,
            roles: user.roles,
            ...(b.comment === undefined ? {} : { comment: b.comment }),
            ...(b.payloadHash === undefined ? {} : { payloadHash: b.payloadHash }),
          })
          return json(200, { approval: present(decided) })
        }
        return json(405, { error: "MethodNotAllowed" })
      }).pipe(
        Effect.catch((e) => Effect.succeed(respond(e as Failure))),
        Effect.catchDefect(() => Effect.succeed(json(500, { error: "Internal" }))),
      )

    return (req: Request) => Effect.runPromiseWith(context)(route(req))
  })
