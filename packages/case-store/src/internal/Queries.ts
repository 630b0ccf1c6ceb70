/**
 * The case store's statements, built with kysely and compiled once per store (`Exec.prepare`):
 * only their parameters change between calls. Statements whose shape depends on the input
 * (multi-row inserts, `in` lists) are compiled once per size and cached.
 */
import { type Kysely, sql } from "kysely"
import type * as Database from "../Database.ts"
import * as Columns from "./Columns.ts"
import * as Exec from "./Exec.ts"

/** Advisory-lock namespace (first key) for dedup on Postgres. */
const DEDUP_LOCK = 0x52_43_01
/** Rows per multi-row statement: far below the parameter limits of SQLite and Postgres. */
export const CHUNK = 100

/** The event of a record written with one (`recordWithEvent`): its case and time are the record's. */
export interface EventFields {
  readonly event_kind: string
  readonly event_actor_kind: string
  readonly event_actor_id: string
  readonly event_message: string
  readonly event_data: string | null
}
const eventFields = [
  "event_kind",
  "event_actor_kind",
  "event_actor_id",
  "event_message",
  "event_data",
] as const satisfies ReadonlyArray<keyof EventFields>

/** A timeline row without its sequence number (handed out by the case row). */
export type NewEvent = Omit<Database.TimelineTable, "seq">
/** The values of a case row an update writes (all but the id and the timeline counter). */
export type CaseUpdate = Omit<Database.CasesTable, "timeline_seq">

/** Sizes whose statements are kept: small ones (the usual batches) and full chunks. */
const CACHED = 16

/**
 * A statement per size (`in` list length, rows of an insert), at most {@link CHUNK}. Small sizes
 * and full chunks are compiled once; the rare others (the tail of a large batch) per call.
 */
const bySize = <Q>(make: (n: number) => Q) => {
  const cache = new Map<number, Q>()
  return (n: number): Q => {
    let q = cache.get(n)
    if (q === undefined) {
      if (!Number.isInteger(n) || n < 1 || n > CHUNK) throw new Error(`statement size ${n} out of range`)
      q = make(n)
      if (n <= CACHED || n === CHUNK) cache.set(n, q)
    }
    return q
  }
}

export type Queries = ReturnType<typeof make>

export const make = (db: Kysely<Database.Database>, dialect: Database.Dialect) => {
  const pg = dialect === "postgres"
  /** Row-locks what a select reads on Postgres; SQLite's write transaction already holds the database. */
  const locked = <Q extends { forUpdate: () => Q }>(q: Q): Q => (pg ? q.forUpdate() : q)
  /** Orders text ids by code point on both dialects (Postgres would otherwise use the locale). */
  const textId = pg ? sql<string>`id collate "C"` : sql<string>`id`
  const bumpSeq = (touch: boolean) =>
    Exec.prepare(touch ? ["id", "updated_at"] : ["id"], (p: { id: string; updated_at: number }) =>
      db
        .updateTable("riposte_cases")
        .set(
          touch
            ? { updated_at: p.updated_at, timeline_seq: sql<number>`timeline_seq + 1` }
            : { timeline_seq: sql<number>`timeline_seq + 1` },
        )
        .where("id", "=", p.id)
        .returning("timeline_seq"),
    )

  /** Postgres: a CTE `s` that advances the case's timeline counter (and `updated_at`, if given). */
  const withSeq = (caseId: string, updatedAt?: number) =>
    db.with("s", (qb) =>
      qb
        .updateTable("riposte_cases")
        .set(
          updatedAt === undefined
            ? { timeline_seq: sql<number>`timeline_seq + 1` }
            : { updated_at: updatedAt, timeline_seq: sql<number>`timeline_seq + 1` },
        )
        .where("id", "=", caseId)
        .returning("timeline_seq"),
    )
  /** Inserts the event numbered by `s`: no row when `s` updated none (the case does not exist). */
  const eventFromSeq = (qc: ReturnType<typeof withSeq>, e: NewEvent) =>
    qc
      .insertInto("riposte_case_timeline")
      .columns(Columns.timeline)
      .expression((eb) =>
        eb
          .selectFrom("s")
          .select((eb) => [
            eb.val(e.case_id).as("case_id"),
            "s.timeline_seq",
            eb.val(e.at).as("at"),
            eb.val(e.kind).as("kind"),
            eb.val(e.actor_kind).as("actor_kind"),
            eb.val(e.actor_id).as("actor_id"),
            eb.val(e.message).as("message"),
            eb.val(e.data).as("data"),
          ]),
      )

  /**
   * Postgres: the counter update and the event insert in one statement (a data-modifying CTE),
   * one round trip instead of two. No row when the case does not exist.
   */
  const appendEvent = (touch: boolean) =>
    Exec.prepare(
      [
        "case_id",
        "at",
        "kind",
        "actor_kind",
        "actor_id",
        "message",
        "data",
        ...(touch ? (["updated_at"] as const) : []),
      ],
      (p: NewEvent & { updated_at: number }) =>
        eventFromSeq(withSeq(p.case_id, touch ? p.updated_at : undefined), p).returning("seq"),
    )

  /**
   * A record that comes with a timeline event (an enrichment, an action, a note, an artifact):
   * `insert` writes the record alone; on Postgres `withEvent` also hands out the event's sequence
   * number and writes the event, in one statement, and returns no row when the case does not
   * exist. The event's case and time are the record's (`case_id`, `at`).
   */
  const recordWithEvent = <
    T extends
      | "riposte_case_enrichments"
      | "riposte_case_actions"
      | "riposte_case_notes"
      | "riposte_case_artifacts",
    C extends { case_id: string; at: Database.Millis },
  >(
    table: T,
    cols: ReadonlyArray<keyof C & string>,
  ) => {
    const insert = Exec.prepare(cols, (p: C) => db.insertInto(table).values(p as never))
    const withEvent = pg
      ? Exec.prepare([...cols, ...eventFields], (p: C & EventFields) =>
          withSeq(p.case_id)
            .with("e", (qc) =>
              eventFromSeq(qc, {
                case_id: p.case_id,
                at: p.at,
                kind: p.event_kind,
                actor_kind: p.event_actor_kind,
                actor_id: p.event_actor_id,
                message: p.event_message,
                data: p.event_data,
              }),
            )
            .insertInto(table)
            .columns(cols as never)
            .expression((eb) => eb.selectFrom("s").select((eb) => cols.map((c) => eb.val(p[c]).as(c))))
            .returning(sql<number>`1`.as("found")),
        )
      : undefined
    return { insert, withEvent }
  }

  return {
    textId,
    /** Postgres only: serialises opens with one (tenant, dedup key) until the transaction ends. */
    dedupLock: pg
      ? Exec.prepare(["tenant", "dedup_key"], (p: { tenant: string; dedup_key: string }) => ({
          compile: () =>
            sql`select pg_advisory_xact_lock(${sql.lit(DEDUP_LOCK)}, hashtext(cast(${p.tenant} as text) || ':' || cast(${p.dedup_key} as text)))`.compile(
              db,
            ),
        }))
      : undefined,
    dedupMatch: Exec.prepare(
      ["tenant", "dedup_key", "since"],
      (p: { tenant: string; dedup_key: string; since: number }) =>
        db
          .selectFrom("riposte_cases")
          .selectAll()
          .where("tenant", "=", p.tenant)
          .where("dedup_key", "=", p.dedup_key)
          .where("status", "<>", "closed")
          .where("merged_into", "is", null)
          .where("created_at", ">=", p.since)
          .orderBy("created_at", "desc")
          .limit(1),
    ),
    insertCase: Exec.prepare(Columns.cases, (p: Database.CasesTable) =>
      db.insertInto("riposte_cases").values(p),
    ),
    insertAlert: Exec.prepare(Columns.alerts, (p: Columns.NoId<Database.AlertsTable>) =>
      db.insertInto("riposte_case_alerts").values(p),
    ),
    selectCase: Exec.prepare(["id"], (p: { id: string }) =>
      db.selectFrom("riposte_cases").selectAll().where("id", "=", p.id),
    ),
    /** The case row, locked for the write transaction (Postgres). */
    lockCase: Exec.prepare(["id"], (p: { id: string }) =>
      locked(db.selectFrom("riposte_cases").selectAll().where("id", "=", p.id)),
    ),
    /** Only whether the case exists (locked on Postgres): nothing to read or parse. */
    caseExists: Exec.prepare(["id"], (p: { id: string }) =>
      locked(db.selectFrom("riposte_cases").select("id").where("id", "=", p.id)),
    ),
    /** Writes every column of a case and advances its timeline counter by `events`. */
    writeCase: Exec.prepare(
      [...Columns.cases.filter((c) => c !== "timeline_seq"), "events"] as Array<keyof CaseUpdate | "events">,
      (p: CaseUpdate & { events: number }) => {
        const { id, events, ...rest } = p
        return db
          .updateTable("riposte_cases")
          .set({ ...rest, timeline_seq: sql<number>`timeline_seq + ${events}` })
          .where("id", "=", id)
          .returning("timeline_seq")
      },
    ),
    /** Hands out the case's next timeline sequence number (and row-locks the case on Postgres). */
    nextSeq: bumpSeq(false),
    /** {@link nextSeq}, also setting `updated_at`. */
    touchNextSeq: bumpSeq(true),
    /** Postgres only: {@link nextSeq} and the event insert in one statement. */
    appendEvent: pg ? appendEvent(false) : undefined,
    touchAppendEvent: pg ? appendEvent(true) : undefined,
    insertEvents: bySize((n) =>
      Exec.prepareRows(n, Columns.timeline, (rows: ReadonlyArray<Database.TimelineTable>) =>
        db.insertInto("riposte_case_timeline").values([...rows]),
      ),
    ),
    /** The observables of a case among `n` normalized values (any type). */
    observablesByValue: bySize((n) => {
      const keys = Array.from({ length: n }, (_, i) => `v${i}`)
      return Exec.prepare(["case_id", ...keys], (p: Record<string, string>) =>
        db
          .selectFrom("riposte_case_observables")
          .selectAll()
          .where("case_id", "=", p.case_id as string)
          .where(
            "value",
            "in",
            keys.map((k) => p[k] as string),
          ),
      )
    }),
    insertObservables: bySize((n) =>
      Exec.prepareRows(n, Columns.observables, (rows: ReadonlyArray<Database.ObservablesTable>) =>
        db.insertInto("riposte_case_observables").values([...rows]),
      ),
    ),
    updateObservable: Exec.prepare(
      ["case_id", "type", "value", "verdict", "sources", "first_seen", "last_seen"],
      (p: Omit<Database.ObservablesTable, "raw">) =>
        db
          .updateTable("riposte_case_observables")
          .set({ verdict: p.verdict, sources: p.sources, first_seen: p.first_seen, last_seen: p.last_seen })
          .where("case_id", "=", p.case_id)
          .where("type", "=", p.type)
          .where("value", "=", p.value),
    ),
    enrichment: recordWithEvent<"riposte_case_enrichments", Columns.NoId<Database.EnrichmentsTable>>(
      "riposte_case_enrichments",
      Columns.enrichments,
    ),
    action: recordWithEvent<"riposte_case_actions", Required<Columns.NoId<Database.ActionsTable>>>(
      "riposte_case_actions",
      Columns.actions,
    ),
    note: recordWithEvent<"riposte_case_notes", Columns.NoId<Database.NotesTable>>(
      "riposte_case_notes",
      Columns.notes,
    ),
    artifact: recordWithEvent<"riposte_case_artifacts", Columns.NoId<Database.ArtifactsTable>>(
      "riposte_case_artifacts",
      Columns.artifacts,
    ),
    /**
     * Inserts an approval request if its case exists (locking the case row on Postgres) and no
     * request has its id: one statement; no row back means one of the two is not so.
     */
    requestApproval: Exec.prepare(Columns.approvals, (p: Database.ApprovalsTable) =>
      db
        .insertInto("riposte_case_approvals")
        .columns(Columns.approvals)
        .expression((eb) =>
          locked(
            eb
              .selectFrom("riposte_cases as c")
              .select((eb) => Columns.approvals.map((c) => eb.val(p[c]).as(c)))
              .where("c.id", "=", p.case_id),
          ),
        )
        .onConflict((oc) => oc.column("id").doNothing())
        .returning("id"),
    ),
    selectApproval: Exec.prepare(["id"], (p: { id: string }) =>
      db.selectFrom("riposte_case_approvals").selectAll().where("id", "=", p.id),
    ),
    /** The approval (locked on Postgres) and whether its case still exists. */
    approvalForDecision: Exec.prepare(["id"], (p: { id: string }) =>
      locked(
        db
          .selectFrom("riposte_case_approvals as a")
          .selectAll("a")
          .select((eb) =>
            eb
              .exists(eb.selectFrom("riposte_cases as c").select("c.id").whereRef("c.id", "=", "a.case_id"))
              .as("case_found"),
          )
          .where("a.id", "=", p.id),
      ),
    ),
    updateApproval: Exec.prepare(
      ["id", "decision", "approvers", "roles", "comment", "expires_at", "decided_at"],
      (
        p: Pick<
          Database.ApprovalsTable,
          "id" | "decision" | "approvers" | "roles" | "comment" | "expires_at" | "decided_at"
        >,
      ) =>
        db
          .updateTable("riposte_case_approvals")
          .set({
            decision: p.decision,
            approvers: p.approvers,
            roles: p.roles,
            comment: p.comment,
            expires_at: p.expires_at,
            decided_at: p.decided_at,
          })
          .where("id", "=", p.id),
    ),
    /** `listApprovals` for one filter shape: `n` decisions (0: any), by run id, by case id. */
    listApprovals: (() => {
      const make = (n: number, runId: boolean, caseId: boolean) => {
        const decisions = Array.from({ length: n }, (_, i) => `d${i}`)
        const keys = [...decisions, ...(runId ? ["run_id"] : []), ...(caseId ? ["case_id"] : [])]
        return Exec.prepare(keys, (p: Record<string, string>) => {
          let s = db.selectFrom("riposte_case_approvals").selectAll()
          if (n > 0)
            s = s.where(
              "decision",
              "in",
              decisions.map((k) => p[k] as string),
            )
          if (runId) s = s.where("run_id", "=", p.run_id as string)
          if (caseId) s = s.where("case_id", "=", p.case_id as string)
          return s.orderBy("requested_at").orderBy(textId)
        })
      }
      const cache = new Map<string, ReturnType<typeof make>>()
      return (n: number, runId: boolean, caseId: boolean) => {
        const shape = `${n}:${runId}:${caseId}`
        let q = cache.get(shape)
        if (q === undefined) {
          q = make(n, runId, caseId)
          // Shapes are few (a filter names at most the 5 decisions); longer lists compile per call.
          if (n <= CACHED) cache.set(shape, q)
        }
        return q
      }
    })(),
    view: {
      alerts: Exec.prepare(["case_id"], (p: { case_id: string }) =>
        db.selectFrom("riposte_case_alerts").selectAll().where("case_id", "=", p.case_id).orderBy("id"),
      ),
      observables: Exec.prepare(["case_id"], (p: { case_id: string }) =>
        db
          .selectFrom("riposte_case_observables")
          .selectAll()
          .where("case_id", "=", p.case_id)
          .orderBy("first_seen"),
      ),
      enrichments: Exec.prepare(["case_id"], (p: { case_id: string }) =>
        db.selectFrom("riposte_case_enrichments").selectAll().where("case_id", "=", p.case_id).orderBy("id"),
      ),
      actions: Exec.prepare(["case_id"], (p: { case_id: string }) =>
        db.selectFrom("riposte_case_actions").selectAll().where("case_id", "=", p.case_id).orderBy("id"),
      ),
      approvals: Exec.prepare(["case_id"], (p: { case_id: string }) =>
        db
          .selectFrom("riposte_case_approvals")
          .selectAll()
          .where("case_id", "=", p.case_id)
          .orderBy("requested_at")
          .orderBy(textId),
      ),
      timeline: Exec.prepare(["case_id"], (p: { case_id: string }) =>
        db.selectFrom("riposte_case_timeline").selectAll().where("case_id", "=", p.case_id).orderBy("seq"),
      ),
      notes: Exec.prepare(["case_id"], (p: { case_id: string }) =>
        db.selectFrom("riposte_case_notes").selectAll().where("case_id", "=", p.case_id).orderBy("id"),
      ),
      artifacts: Exec.prepare(["case_id"], (p: { case_id: string }) =>
        db.selectFrom("riposte_case_artifacts").selectAll().where("case_id", "=", p.case_id).orderBy("id"),
      ),
    },
  }
}
