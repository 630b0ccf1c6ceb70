/**
 * The guardrails' SQL tables, created on the current `SqlClient` (SQLite or Postgres):
 *
 * - `riposte_approval_tokens`: sha256 of each single-use approval token (never the token).
 * - `riposte_budget_counters`: durable blast-radius counters shared by every runner.
 * - `riposte_playbook_activations`: who activated an untrusted playbook version, and when.
 *
 * Every statement is `create … if not exists`; on Postgres an advisory lock serialises runners
 * migrating at the same time.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { SqlClient, type SqlError } from "effect/sql"

const statements: ReadonlyArray<string> = [
  `create table if not exists riposte_approval_tokens (
    token_hash text primary key,
    request_id text not null,
    approver text,
    issued_at bigint not null,
    expires_at bigint not null,
    consumed_at bigint,
    consumed_by text
  )`,
  `create index if not exists riposte_approval_tokens_request on riposte_approval_tokens (request_id)`,
  `create table if not exists riposte_budget_counters (
    window_start bigint not null,
    scope_key text not null,
    category text not null,
    count bigint not null,
    primary key (window_start, scope_key, category)
  )`,
  `create table if not exists riposte_playbook_activations (
    playbook text not null,
    version text not null,
    source text not null,
    activated_by text not null,
    activated_at bigint not null,
    primary key (playbook, version)
  )`,
]

/**
 * Creates the guardrails tables if they do not exist.
 *
 * @example
 * ```ts
 * yield* Migrations.migrate
 * ```
 */
export const migrate: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.withTransaction(
    Effect.gen(function* () {
      yield* sql.onDialectOrElse({
        pg: () => sql.unsafe("select pg_advisory_xact_lock(hashtext('riposte_guardrails_migrations'))"),
        orElse: () => Effect.void,
      })
      for (const statement of statements) yield* sql.unsafe(statement)
    }),
  )
}).pipe(Effect.withSpan("Guardrails.migrate"))
