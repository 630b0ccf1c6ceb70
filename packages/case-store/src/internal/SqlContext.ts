/**
 * The shared plumbing of the SQL case store: the query builder, execution through the Effect
 * `SqlClient`, transactions, row locks, timeline sequence numbers and observable upserts.
 */
import { type CaseModel, CaseStore, Observable, CaseValidation as V } from "@riposte/core"
import { Effect } from "effect"
import { type SqlClient, SqlError } from "effect/sql"
import { sql } from "kysely"
import * as Database from "../Database.ts"
import * as Exec from "./Exec.ts"
import * as Rows from "./Rows.ts"

export const system: CaseModel.Actor = { kind: "system", id: "case-store" }

/** Database failures become `CaseStoreError` reason `Storage`. */
export const storage = <A, E, R>(self: Effect.Effect<A, E | SqlError.SqlError, R>) =>
  Effect.mapError(self, (e) =>
    e instanceof SqlError.SqlError
      ? new CaseStore.CaseStoreError({ reason: "Storage", detail: e.message })
      : e,
  ) as Effect.Effect<A, Exclude<E, SqlError.SqlError> | CaseStore.CaseStoreError, R>

export type SqlContext = ReturnType<typeof make>

export const make = (client: SqlClient.SqlClient, dialect: Database.Dialect) => {
  const db = Database.builder(dialect)
  const exec = Exec.make(client)
  const first = <R>(q: Exec.Compilable<R>) => Effect.map(exec(q), (rows) => rows[0])
  /**
   * Runs `self` in a transaction. Inside a caller's transaction (a journaled activity's, for
   * instance) it runs inline, without a savepoint: on Postgres that saves two round trips per
   * write. An error then fails the caller's transaction; no caller may swallow it and commit
   * (the engine's record writes die on error).
   */
  const tx = <A, E>(self: Effect.Effect<A, E | SqlError.SqlError>) =>
    storage(
      Effect.flatMap(Effect.serviceOption(client.transactionService), (current) =>
        current._tag === "Some" ? self : client.withTransaction(self),
      ),
    )
  /** Orders text ids by code point on both dialects (Postgres would otherwise use the locale). */
  const textId = dialect === "postgres" ? sql<string>`id collate "C"` : sql<string>`id`

  const selectCase = (caseId: string) => {
    const q = db.selectFrom("riposte_cases").selectAll().where("id", "=", caseId)
    return dialect === "postgres" ? q.forUpdate() : q
  }
  /** Reads a case inside a write transaction (row-locked on Postgres). */
  const lockCase = (caseId: string) =>
    Effect.flatMap(first(selectCase(caseId)), (row) =>
      row ? Effect.succeed(Rows.toCase(row)) : Effect.fail(V.notFound(`case ${caseId}`)),
    )

  // The two statements of every timeline append, compiled once (only their parameters change).
  const nextSeq = db
    .updateTable("riposte_cases")
    .set({ timeline_seq: sql<number>`timeline_seq + 1` })
    .where("id", "=", "")
    .returning("timeline_seq")
    .compile()
  const insertEvent = db
    .insertInto("riposte_case_timeline")
    .values({ case_id: "", seq: 0, at: 0, kind: "", actor_kind: "", actor_id: "", message: "", data: null })
    .compile()

  /** Appends a timeline event; its `UPDATE` of the case row also takes the case's row lock. */
  const appendEvent = Effect.fnUntraced(function* (
    caseId: string,
    at: number,
    kind: CaseModel.TimelineKind,
    actor: CaseModel.Actor,
    message: string,
    data: unknown = null,
  ) {
    const row = (yield* exec({ ...nextSeq, parameters: [caseId] } as typeof nextSeq))[0]
    if (row === undefined) return yield* V.notFound(`case ${caseId}`)
    const text = data === null || data === undefined ? null : JSON.stringify(data)
    const event: CaseModel.TimelineEvent = {
      caseId,
      seq: Rows.num(row.timeline_seq),
      at,
      kind,
      actor,
      message,
      data: text === null ? null : JSON.parse(text),
    }
    yield* exec({
      ...insertEvent,
      parameters: [caseId, event.seq, at, kind, actor.kind, actor.id, message, text],
    })
    return event
  })

  const touch = (caseId: string, now: number) =>
    exec(db.updateTable("riposte_cases").set({ updated_at: now }).where("id", "=", caseId))

  const writeCase = (c: CaseModel.CaseRecord) => {
    const { id: _id, ...rest } = Rows.fromCase(c)
    return exec(db.updateTable("riposte_cases").set(rest).where("id", "=", c.id))
  }

  /** Inserts or merges one observable (worst verdict, union of sources, widest seen range). */
  const upsertObservable = Effect.fnUntraced(function* (caseId: string, o: CaseModel.ObservableRecord) {
    const existing = yield* first(
      db
        .selectFrom("riposte_case_observables")
        .selectAll()
        .where("case_id", "=", caseId)
        .where("type", "=", o.type)
        .where("value", "=", o.value),
    )
    if (existing === undefined) {
      const record = { ...o, caseId }
      yield* exec(db.insertInto("riposte_case_observables").values(Rows.fromObservable(record)))
      return record
    }
    const prev = Rows.toObservable(existing)
    const merged: CaseModel.ObservableRecord = {
      ...prev,
      verdict: Observable.worstVerdict([prev.verdict, o.verdict]),
      sources: [...new Set([...prev.sources, ...o.sources])],
      firstSeen: Math.min(prev.firstSeen, o.firstSeen),
      lastSeen: Math.max(prev.lastSeen, o.lastSeen),
    }
    yield* exec(
      db
        .updateTable("riposte_case_observables")
        .set({
          verdict: merged.verdict,
          sources: JSON.stringify(merged.sources),
          first_seen: merged.firstSeen,
          last_seen: merged.lastSeen,
        })
        .where("case_id", "=", caseId)
        .where("type", "=", o.type)
        .where("value", "=", o.value),
    )
    return merged
  })

  return { dialect, db, exec, first, tx, textId, lockCase, appendEvent, touch, writeCase, upsertObservable }
}
