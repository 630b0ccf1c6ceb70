/**
 * Versioned migrations of the case-store tables. Each migration is a list of statements built
 * with kysely's schema builder and compiled for the dialect; applied versions are recorded in
 * `riposte_case_migrations`. Running `migrate` again applies nothing.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { type CreateTableBuilder, type Kysely, sql } from "kysely"
import * as Database from "./Database.ts"
import * as Exec from "./internal/Exec.ts"

/** One schema version. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly statements: (
    db: Kysely<Database.Database>,
    dialect: Database.Dialect,
  ) => ReadonlyArray<Exec.Compilable<unknown>>
}

// The builder's table/column type parameters vary per table.
type Table = CreateTableBuilder<any, any>

/** An auto-increment key: keeps insertion order of child rows. */
const withId = (t: Table, dialect: Database.Dialect): Table =>
  dialect === "postgres"
    ? t.addColumn("id", "bigserial", (c) => c.primaryKey())
    : t.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())

const initial: Migration = {
  version: 1,
  name: "initial",
  statements: (db, dialect) => {
    const table = (name: keyof Database.Database) => db.schema.createTable(name).ifNotExists()
    const index = (name: string) => db.schema.createIndex(name).ifNotExists()
    return [
      table("riposte_cases")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("tenant", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("severity", "text", (c) => c.notNull())
        .addColumn("assignee", "text")
        .addColumn("tags", "text", (c) => c.notNull())
        .addColumn("playbook", "text", (c) => c.notNull())
        .addColumn("playbook_version", "text", (c) => c.notNull())
        .addColumn("run_id", "text")
        .addColumn("dedup_key", "text")
        .addColumn("resolution", "text")
        .addColumn("merged_into", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("acknowledged_at", "bigint")
        .addColumn("contained_at", "bigint")
        .addColumn("resolved_at", "bigint")
        .addColumn("closed_at", "bigint")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("timeline_seq", "bigint", (c) => c.notNull().defaultTo(0)),
      index("riposte_cases_dedup").on("riposte_cases").columns(["tenant", "dedup_key", "created_at"]),
      index("riposte_cases_created").on("riposte_cases").columns(["created_at"]),
      index("riposte_cases_closed").on("riposte_cases").columns(["status", "closed_at"]),
      withId(table("riposte_case_alerts"), dialect)
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("dedup_key", "text")
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("received_at", "bigint", (c) => c.notNull()),
      index("riposte_case_alerts_case").on("riposte_case_alerts").columns(["case_id"]),
      table("riposte_case_observables")
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("raw", "text", (c) => c.notNull())
        .addColumn("verdict", "text", (c) => c.notNull())
        .addColumn("sources", "text", (c) => c.notNull())
        .addColumn("first_seen", "bigint", (c) => c.notNull())
        .addColumn("last_seen", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("riposte_case_observables_pk", ["case_id", "type", "value"]),
      index("riposte_case_observables_value").on("riposte_case_observables").columns(["value"]),
      withId(table("riposte_case_enrichments"), dialect)
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("observable", "text")
        .addColumn("connector", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("result_ref", "text")
        .addColumn("verdict", "text", (c) => c.notNull())
        .addColumn("score", "double precision")
        .addColumn("summary", "text")
        .addColumn("at", "bigint", (c) => c.notNull()),
      index("riposte_case_enrichments_case").on("riposte_case_enrichments").columns(["case_id"]),
      withId(table("riposte_case_actions"), dialect)
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("step_path", "text", (c) => c.notNull())
        .addColumn("connector", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("input_hash", "text", (c) => c.notNull())
        .addColumn("input", "text", (c) => c.notNull())
        .addColumn("output_summary", "text")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("idempotency_key", "text", (c) => c.notNull())
        .addColumn("approval_ref", "text")
        .addColumn("actor_kind", "text", (c) => c.notNull())
        .addColumn("actor_id", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull()),
      index("riposte_case_actions_case").on("riposte_case_actions").columns(["case_id"]),
      table("riposte_case_approvals")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("gate", "text", (c) => c.notNull())
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("payload_hash", "text", (c) => c.notNull())
        .addColumn("decision", "text", (c) => c.notNull())
        .addColumn("approvers", "text", (c) => c.notNull())
        .addColumn("roles", "text", (c) => c.notNull())
        .addColumn("quorum", "integer", (c) => c.notNull())
        .addColumn("requester", "text", (c) => c.notNull())
        .addColumn("comment", "text")
        .addColumn("requested_at", "bigint", (c) => c.notNull())
        .addColumn("decided_at", "bigint")
        .addColumn("expires_at", "bigint", (c) => c.notNull()),
      index("riposte_case_approvals_case").on("riposte_case_approvals").columns(["case_id"]),
      table("riposte_case_timeline")
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("seq", "bigint", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("actor_kind", "text", (c) => c.notNull())
        .addColumn("actor_id", "text", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("data", "text")
        .addPrimaryKeyConstraint("riposte_case_timeline_pk", ["case_id", "seq"]),
      withId(table("riposte_case_notes"), dialect)
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("author", "text", (c) => c.notNull())
        .addColumn("text", "text", (c) => c.notNull()),
      index("riposte_case_notes_case").on("riposte_case_notes").columns(["case_id"]),
      withId(table("riposte_case_artifacts"), dialect)
        .addColumn("case_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("content_type", "text", (c) => c.notNull())
        .addColumn("size", "bigint", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull())
        .addColumn("storage_ref", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull()),
      index("riposte_case_artifacts_case").on("riposte_case_artifacts").columns(["case_id"]),
    ]
  },
}

/** v2: `riposte_case_actions.undo`, the JSON reverse call of an undoable action (rollback). */
const actionUndo: Migration = {
  version: 2,
  name: "action-undo",
  statements: (db) => [db.schema.alterTable("riposte_case_actions").addColumn("undo", "text")],
}

/** All migrations, in version order. */
export const migrations: ReadonlyArray<Migration> = [initial, actionUndo]

/**
 * Brings the case-store tables up to the latest version on the current `SqlClient`; returns the
 * versions applied (empty when already up to date). Safe to run concurrently on Postgres (an
 * advisory lock serialises runners) and on SQLite (`BEGIN IMMEDIATE`).
 *
 * @example
 * ```ts
 * yield* Migrations.migrate("sqlite")
 * ```
 */
export const migrate = Effect.fn("CaseStore.migrate")(function* (
  dialect: Database.Dialect,
  list: ReadonlyArray<Migration> = migrations,
) {
  const client = yield* SqlClient.SqlClient
  const exec = Exec.make(client)
  const db = Database.builder(dialect)
  yield* exec(
    db.schema
      .createTable("riposte_case_migrations")
      .ifNotExists()
      .addColumn("version", "integer", (c) => c.primaryKey())
      .addColumn("applied_at", "bigint", (c) => c.notNull()),
  )
  return yield* client.withTransaction(
    Effect.gen(function* () {
      if (dialect === "postgres") {
        yield* exec(sql`select pg_advisory_xact_lock(hashtext('riposte_case_migrations'))`.compile(db))
      }
      const rows = yield* exec(db.selectFrom("riposte_case_migrations").select("version"))
      const applied = new Set(rows.map((r) => Number(r.version)))
      const done: Array<number> = []
      for (const m of [...list].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue
        for (const statement of m.statements(db, dialect)) yield* exec(statement)
        const now = yield* Clock.currentTimeMillis
        yield* exec(db.insertInto("riposte_case_migrations").values({ version: m.version, applied_at: now }))
        done.push(m.version)
      }
      return done as ReadonlyArray<number>
    }),
  )
}) as (
  dialect: Database.Dialect,
  list?: ReadonlyArray<Migration>,
) => Effect.Effect<ReadonlyArray<number>, SqlError.SqlError, SqlClient.SqlClient>
