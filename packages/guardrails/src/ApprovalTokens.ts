/**
 * Single-use approval tokens for links and chat buttons. A token is 256 random bits
 * (`crypto.randomBytes(32)`, base64url); only its sha256 is stored. Redeeming consumes it
 * atomically with one conditional UPDATE (two concurrent clicks resolve once), then asks the
 * engine to decide the request, which checks roles, four-eyes, quorum, expiry and completes
 * the gate server-side. Workflow (DurableDeferred) tokens never leave the engine: they are
 * derivable from the alert id and must never be used as approval tokens.
 *
 * @example
 * ```ts
 * const tokens = yield* ApprovalTokens.ApprovalTokens
 * const token = yield* tokens.issue(request.id, { approver: "alice", ttl: "1 hour" })
 * // later, from the link alice clicked:
 * yield* tokens.redeem(Redacted.value(token), "approve", { actor: "alice", roles: ["soc-lead"] })
 * ```
 * @since 0.1.0
 */
import { createHash, randomBytes } from "node:crypto"
import {
  ApprovalError,
  type ApprovalError as ApprovalErrorType,
  type CaseModel,
  type CaseStore,
  Engine,
} from "@riposte/core"
import { Clock, Context, Duration, Effect, Layer, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"

/** The token table could not be read or written. */
export class TokenStorageError extends Schema.TaggedError<TokenStorageError>()("TokenStorageError", {
  detail: Schema.String,
}) {}

/** Options of {@link ApprovalTokensShape.issue}. */
export interface IssueOptions {
  /** Only this user may redeem the token (recommended: one token per approver). */
  readonly approver?: string
  /** How long the token is valid. */
  readonly ttl: Duration.Input
}

/** The authenticated person redeeming a token (identity and roles come from the channel). */
export interface Redeemer {
  readonly actor: string
  readonly roles: ReadonlyArray<string>
}

export interface ApprovalTokensShape {
  /** Issues a fresh single-use token for an approval request. */
  readonly issue: (
    requestId: string,
    options: IssueOptions,
  ) => Effect.Effect<Redacted.Redacted<string>, TokenStorageError>
  /**
   * Consumes the token once and decides its request through `Engine.decide`. An unknown, used,
   * expired or foreign token fails with `ApprovalError{reason:"InvalidToken"}`. When the engine
   * refuses the person (wrong role, own request, already voted) the token is released again so
   * the rightful approver can still use it.
   */
  readonly redeem: (
    token: string,
    decision: "approve" | "deny",
    redeemer: Redeemer,
    options?: { readonly comment?: string; readonly payloadHash?: string },
  ) => Effect.Effect<
    CaseModel.ApprovalRecord,
    ApprovalErrorType | CaseStore.CaseStoreError | TokenStorageError
  >
}

export class ApprovalTokens extends Context.Service<ApprovalTokens, ApprovalTokensShape>()(
  "@riposte/guardrails/ApprovalTokens",
) {}

/** Where token hashes live. */
interface TokenRow {
  readonly tokenHash: string
  readonly requestId: string
  readonly approver: string | null
  readonly issuedAt: number
  readonly expiresAt: number
}

interface TokenStorage {
  readonly insert: (row: TokenRow) => Effect.Effect<void, TokenStorageError>
  /** Marks the token consumed if it is unused, unexpired and (if bound) bound to `actor`. */
  readonly consume: (
    tokenHash: string,
    now: number,
    actor: string,
  ) => Effect.Effect<{ readonly requestId: string } | undefined, TokenStorageError>
  readonly release: (tokenHash: string, actor: string) => Effect.Effect<void, TokenStorageError>
}

const hashOf = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

/** base64url of 32 bytes is 43 characters; anything else is not one of ours. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** Refusals that concern the person, not the token: the token stays usable for someone else. */
const personal = new Set<ApprovalErrorType["reason"]>([
  "RoleNotAllowed",
  "SelfApproval",
  "DuplicateApprover",
  "PayloadChanged",
])

const make = (storage: TokenStorage) =>
  Effect.gen(function* () {
    const engine = yield* Engine.Engine
    const issue: ApprovalTokensShape["issue"] = Effect.fn("ApprovalTokens.issue")(
      function* (requestId, options) {
        const token = randomBytes(32).toString("base64url")
        const now = yield* Clock.currentTimeMillis
        yield* storage.insert({
          tokenHash: hashOf(token),
          requestId,
          approver: options.approver ?? null,
          issuedAt: now,
          expiresAt: now + Duration.toMillis(Duration.fromInputUnsafe(options.ttl)),
        })
        return Redacted.make(token)
      },
    )
    const redeem: ApprovalTokensShape["redeem"] = Effect.fn("ApprovalTokens.redeem")(
      function* (token, decision, redeemer, options) {
        const invalid = new ApprovalError({
          requestId: "unknown",
          reason: "InvalidToken",
          detail: "unknown, used, expired or issued to someone else",
        })
        if (typeof token !== "string" || !TOKEN_SHAPE.test(token)) return yield* invalid
        const tokenHash = hashOf(token)
        const now = yield* Clock.currentTimeMillis
        const consumed = yield* storage.consume(tokenHash, now, redeemer.actor)
        if (consumed === undefined) return yield* invalid
        return yield* engine
          .decide(consumed.requestId, {
            decision,
            actor: redeemer.actor,
            roles: redeemer.roles,
            ...(options?.comment === undefined ? {} : { comment: options.comment }),
            ...(options?.payloadHash === undefined ? {} : { payloadHash: options.payloadHash }),
          })
          .pipe(
            Effect.tapError((e) =>
              e._tag === "ApprovalError" && personal.has(e.reason)
                ? storage.release(tokenHash, redeemer.actor)
                : Effect.void,
            ),
          )
      },
    )
    return ApprovalTokens.of({ issue, redeem })
  })

/**
 * Tokens kept in memory (one process; tests).
 *
 * @example
 * ```ts
 * const layer = ApprovalTokens.layerMemory.pipe(Layer.provide(engineLayer))
 * ```
 */
export const layerMemory: Layer.Layer<ApprovalTokens, never, Engine.Engine> = Layer.effect(
  ApprovalTokens,
  Effect.suspend(() => {
    const rows = new Map<string, TokenRow & { consumedBy: string | null }>()
    return make({
      insert: (row) => Effect.sync(() => void rows.set(row.tokenHash, { ...row, consumedBy: null })),
      // Synchronous check-and-set: atomic within the process.
      consume: (tokenHash, now, actor) =>
        Effect.sync(() => {
          const row = rows.get(tokenHash)
          if (row === undefined || row.consumedBy !== null || row.expiresAt <= now) return undefined
          if (row.approver !== null && row.approver !== actor) return undefined
          row.consumedBy = actor
          return { requestId: row.requestId }
        }),
      release: (tokenHash, actor) =>
        Effect.sync(() => {
          const row = rows.get(tokenHash)
          if (row !== undefined && row.consumedBy === actor) row.consumedBy = null
        }),
    })
  }),
)

const storageError = (e: unknown) => new TokenStorageError({ detail: String(e) })

/**
 * Tokens in `riposte_approval_tokens` on the current `SqlClient` (SQLite or Postgres); run
 * {@link Migrations.migrate} first. Redeeming is one conditional UPDATE … RETURNING, so two
 * runners or two clicks cannot both consume a token.
 *
 * @example
 * ```ts
 * const layer = ApprovalTokens.layerSql.pipe(Layer.provide([engineLayer, sqlLayer]))
 * ```
 */
export const layerSql: Layer.Layer<ApprovalTokens, never, Engine.Engine | SqlClient.SqlClient> = Layer.effect(
  ApprovalTokens,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* make({
      insert: (row) =>
        sql`insert into riposte_approval_tokens (token_hash, request_id, approver, issued_at, expires_at)
            values (${row.tokenHash}, ${row.requestId}, ${row.approver}, ${row.issuedAt}, ${row.expiresAt})`.pipe(
          Effect.asVoid,
          Effect.mapError(storageError),
        ),
      consume: (tokenHash, now, actor) =>
        sql<{ request_id: string }>`update riposte_approval_tokens
            set consumed_at = ${now}, consumed_by = ${actor}
            where token_hash = ${tokenHash} and consumed_at is null and expires_at > ${now}
              and (approver is null or approver = ${actor})
            returning request_id`.pipe(
          Effect.map((rows) => (rows[0] === undefined ? undefined : { requestId: rows[0].request_id })),
          Effect.mapError(storageError),
        ),
      release: (tokenHash, actor) =>
        sql`update riposte_approval_tokens set consumed_at = null, consumed_by = null
            where token_hash = ${tokenHash} and consumed_by = ${actor}`.pipe(
          Effect.asVoid,
          Effect.mapError(storageError),
        ),
    })
  }),
)
