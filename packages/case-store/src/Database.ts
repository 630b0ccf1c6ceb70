/**
 * The case-store tables as kysely types. Column names are snake_case, JSON is stored as text,
 * timestamps are epoch milliseconds in `bigint` columns. Postgres returns `bigint` as a string,
 * so every numeric column is typed `number | string` on the way out and mapped back to `number`.
 *
 * @since 0.1.0
 */
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely"

/** A bigint column: written as a number, read back as a number (SQLite) or a string (Postgres). */
export type Millis = number | string

export interface CasesTable {
  readonly id: string
  readonly tenant: string
  readonly title: string
  readonly status: string
  readonly severity: string
  readonly assignee: string | null
  /** JSON array of strings. */
  readonly tags: string
  readonly playbook: string
  readonly playbook_version: string
  readonly run_id: string | null
  readonly dedup_key: string | null
  readonly resolution: string | null
  readonly merged_into: string | null
  readonly created_at: Millis
  readonly acknowledged_at: Millis | null
  readonly contained_at: Millis | null
  readonly resolved_at: Millis | null
  readonly closed_at: Millis | null
  readonly updated_at: Millis
  /** Last timeline sequence number handed out for this case. */
  readonly timeline_seq: Millis
}

/** Alerts in arrival order (`id` is an auto-increment key). */
export interface AlertsTable {
  readonly id?: Millis
  readonly case_id: string
  readonly dedup_key: string | null
  /** The alert as JSON text. */
  readonly body: string
  readonly received_at: Millis
}

export interface ObservablesTable {
  readonly case_id: string
  readonly type: string
  readonly value: string
  readonly raw: string
  readonly verdict: string
  /** JSON array of strings. */
  readonly sources: string
  readonly first_seen: Millis
  readonly last_seen: Millis
}

export interface EnrichmentsTable {
  readonly id?: Millis
  readonly case_id: string
  readonly observable: string | null
  readonly connector: string
  readonly action: string
  readonly result_ref: string | null
  readonly verdict: string
  readonly score: number | null
  readonly summary: string | null
  readonly at: Millis
}

export interface ActionsTable {
  readonly id?: Millis
  readonly case_id: string
  readonly step_path: string
  readonly connector: string
  readonly action: string
  readonly kind: string
  readonly input_hash: string
  /** JSON text (`null` JSON when absent). */
  readonly input: string
  readonly output_summary: string | null
  readonly status: string
  readonly idempotency_key: string
  readonly approval_ref: string | null
  readonly actor_kind: string
  readonly actor_id: string
  readonly at: Millis
  /** JSON `{ connector, action, input }` of the reverse call, or null (migration v2). */
  readonly undo?: string | null
}

export interface ApprovalsTable {
  readonly id: string
  readonly case_id: string
  readonly run_id: string
  readonly gate: string
  readonly summary: string
  readonly payload_hash: string
  readonly decision: string
  /** JSON array of strings. */
  readonly approvers: string
  /** JSON array of strings. */
  readonly roles: string
  readonly quorum: number
  readonly requester: string
  readonly comment: string | null
  readonly requested_at: Millis
  readonly decided_at: Millis | null
  readonly expires_at: Millis
}

export interface TimelineTable {
  readonly case_id: string
  readonly seq: Millis
  readonly at: Millis
  readonly kind: string
  readonly actor_kind: string
  readonly actor_id: string
  readonly message: string
  /** JSON text or null. */
  readonly data: string | null
}

export interface NotesTable {
  readonly id?: Millis
  readonly case_id: string
  readonly at: Millis
  readonly author: string
  readonly text: string
}

export interface ArtifactsTable {
  readonly id?: Millis
  readonly case_id: string
  readonly name: string
  readonly content_type: string
  readonly size: Millis
  readonly sha256: string
  readonly storage_ref: string
  readonly at: Millis
}

export interface MigrationsTable {
  readonly version: number
  readonly applied_at: Millis
}

/** Table names are prefixed `riposte_` so the store can share a database with the engine. */
export interface Database {
  readonly riposte_cases: CasesTable
  readonly riposte_case_alerts: AlertsTable
  readonly riposte_case_observables: ObservablesTable
  readonly riposte_case_enrichments: EnrichmentsTable
  readonly riposte_case_actions: ActionsTable
  readonly riposte_case_approvals: ApprovalsTable
  readonly riposte_case_timeline: TimelineTable
  readonly riposte_case_notes: NotesTable
  readonly riposte_case_artifacts: ArtifactsTable
  readonly riposte_case_migrations: MigrationsTable
}

/** SQL dialects the case store compiles for. */
export type Dialect = "sqlite" | "postgres"

/**
 * A kysely instance used only as a typed query builder: it has no connection (DummyDriver);
 * queries are `.compile()`d and executed through the Effect `SqlClient`.
 *
 * @example
 * ```ts
 * const { sql, parameters } = Database.builder("sqlite").selectFrom("riposte_cases").selectAll().compile()
 * ```
 */
export const builder = (dialect: Dialect): Kysely<Database> =>
  dialect === "postgres"
    ? new Kysely<Database>({
        dialect: {
          createAdapter: () => new PostgresAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => new PostgresIntrospector(db),
          createQueryCompiler: () => new PostgresQueryCompiler(),
        },
      })
    : new Kysely<Database>({
        dialect: {
          createAdapter: () => new SqliteAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => new SqliteIntrospector(db),
          createQueryCompiler: () => new SqliteQueryCompiler(),
        },
      })
