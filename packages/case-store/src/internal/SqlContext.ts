/**
 * The shared plumbing of the SQL case store: the query builder, execution through the Effect
 * `SqlClient`, transactions, row locks, timeline sequence numbers and observable upserts.
 *
 * Locking: a SQLite write transaction (`BEGIN IMMEDIATE`) holds the whole database, so a case
 * is read only where its values are needed; elsewhere one cheap statement checks that it
 * exists (and row-locks it on Postgres, where writers of one case must queue).
 */
import { type CaseModel, CaseStore, Observable, CaseValidation as V } from "@riposte/core"
import { Effect } from "effect"
import { type SqlClient, SqlError } from "effect/sql"
import * as Database from "../Database.ts"
import * as Exec from "./Exec.ts"
import * as Queries from "./Queries.ts"
import * as Rows from "./Rows.ts"

export const system: CaseModel.Actor = { kind: "system", id: "case-store" }

/** Database failures become `CaseStoreError` reason `Storage`. */
export const storage = <A, E, R>(self: Effect.Effect<A, E | SqlError.SqlError, R>) =>
  Effect.mapError(self, (e) =>
    e instanceof SqlError.SqlError
      ? new CaseStore.CaseStoreError({ reason: "Storage", detail: e.message })
      : e,
  ) as Effect.Effect<A, Exclude<E, SqlError.SqlError> | CaseStore.CaseStoreError, R>

/** One timeline event to write; `data` is JSON text (or null). */
export interface EventInput {
  readonly kind: CaseModel.TimelineKind
  readonly actor: CaseModel.Actor
  readonly message: string
  readonly data: string | null
}

/** JSON text of a value the store builds itself (never undefined, functions or cycles). */
export const json = (value: unknown): string => JSON.stringify(value)

const observableKey = (type: string, value: string) => `${type}\u0000${value}`

export type SqlContext = ReturnType<typeof make>

export const make = (client: SqlClient.SqlClient, dialect: Database.Dialect) => {
  const db = Database.builder(dialect)
  const exec = Exec.make(client)
  const q = Queries.make(db, dialect)
  /** Runs a prepared statement with one binding of its parameters. */
  const run = <P, R>(query: Exec.Prepared<P, R>, values: P) =>
    client.unsafe<R & object>(query.sql, query.bind(values)) as unknown as Effect.Effect<
      ReadonlyArray<R>,
      SqlError.SqlError
    >
  const first = <P, R>(query: Exec.Prepared<P, R>, values: P) =>
    Effect.map(run(query, values), (rows) => rows[0])
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

  /** Reads a case inside a write transaction (row-locked on Postgres), for writes that use it. */
  const lockCase = (caseId: string) =>
    Effect.flatMap(first(q.lockCase, { id: caseId }), (row) =>
      row ? Effect.succeed(Rows.toCase(row)) : Effect.fail(V.notFound(`case ${caseId}`)),
    )
  /** Fails with NotFound unless the case exists (row-locked on Postgres); reads nothing else. */
  const caseExists = (caseId: string) =>
    Effect.flatMap(run(q.caseExists, { id: caseId }), (rows) =>
      rows.length > 0 ? Effect.void : Effect.fail(V.notFound(`case ${caseId}`)),
    )

  /**
   * Appends a timeline event and returns its sequence number. The counter's `UPDATE` takes the
   * case's row lock and fails with NotFound for a missing case; with `touchAt` it also sets the
   * case's `updated_at`. One statement on Postgres, two on SQLite.
   */
  const appendEvent = (
    caseId: string,
    at: number,
    event: EventInput,
    touchAt?: number,
  ): Effect.Effect<number, CaseStore.CaseStoreError | SqlError.SqlError> => {
    const row = {
      case_id: caseId,
      at,
      kind: event.kind,
      actor_kind: event.actor.kind,
      actor_id: event.actor.id,
      message: event.message,
      data: event.data,
      updated_at: touchAt ?? at,
    }
    const fused = touchAt === undefined ? q.appendEvent : q.touchAppendEvent
    const seq: Effect.Effect<number | undefined, SqlError.SqlError> =
      fused !== undefined
        ? Effect.map(first(fused, row), (r) => (r === undefined ? undefined : Rows.num(r.seq)))
        : Effect.flatMap(
            first(touchAt === undefined ? q.nextSeq : q.touchNextSeq, {
              id: caseId,
              updated_at: row.updated_at,
            }),
            (r) => {
              if (r === undefined) return Effect.succeed(undefined)
              const next = Rows.num(r.timeline_seq)
              return Effect.as(run(q.insertEvents(1), [{ ...row, seq: next }]), next)
            },
          )
    return Effect.flatMap(seq, (n) =>
      n === undefined ? Effect.fail(V.notFound(`case ${caseId}`)) : Effect.succeed(n),
    )
  }

  /**
   * Writes a record and its timeline event (see `Queries.recordWithEvent`): one statement on
   * Postgres; on SQLite the event first (its update fails with NotFound for a missing case),
   * then the record.
   */
  const recordWithEvent = <C extends { readonly case_id: string; readonly at: Database.Millis }>(
    query: {
      readonly insert: Exec.Prepared<C, unknown>
      readonly withEvent: Exec.Prepared<C & Queries.EventFields, unknown> | undefined
    },
    record: C,
    event: EventInput,
  ): Effect.Effect<void, CaseStore.CaseStoreError | SqlError.SqlError> =>
    query.withEvent === undefined
      ? Effect.andThen(appendEvent(record.case_id, Rows.num(record.at), event), run(query.insert, record))
      : Effect.flatMap(
          run(query.withEvent, {
            ...record,
            event_kind: event.kind,
            event_actor_kind: event.actor.kind,
            event_actor_id: event.actor.id,
            event_message: event.message,
            event_data: event.data,
          }),
          (rows) => (rows.length > 0 ? Effect.void : Effect.fail(V.notFound(`case ${record.case_id}`))),
        )

  /** Inserts events with known sequence numbers `firstSeq`, `firstSeq + 1`, … (the case row is locked). */
  const insertEvents = (caseId: string, at: number, firstSeq: number, events: ReadonlyArray<EventInput>) =>
    events.length === 0
      ? Effect.void
      : run(
          q.insertEvents(events.length),
          events.map((e, i) => ({
            case_id: caseId,
            seq: firstSeq + i,
            at,
            kind: e.kind,
            actor_kind: e.actor.kind,
            actor_id: e.actor.id,
            message: e.message,
            data: e.data,
          })),
        )

  /**
   * Writes every column of a case (locked by the caller) and reserves `events` timeline sequence
   * numbers; returns the first of them.
   */
  const writeCase = (c: CaseModel.CaseRecord, events: number) =>
    Effect.flatMap(first(q.writeCase, { ...Rows.fromCase(c), events }), (r) =>
      r === undefined
        ? Effect.fail(V.notFound(`case ${c.id}`))
        : Effect.succeed(Rows.num(r.timeline_seq) - events + 1),
    )

  /**
   * Inserts or merges observables into a case (locked by the caller): worst verdict, union of
   * sources, widest seen range, in input order; returns one record per distinct (type, value).
   * One select per {@link Queries.CHUNK} values, one insert per chunk of new observables, one
   * update per changed existing one.
   */
  const upsertObservables = Effect.fnUntraced(function* (
    caseId: string,
    input: ReadonlyArray<CaseModel.ObservableRecord>,
  ) {
    const values = [...new Set(input.map((o) => o.value))]
    const existing = new Map<string, CaseModel.ObservableRecord>()
    for (let i = 0; i < values.length; i += Queries.CHUNK) {
      const chunk = values.slice(i, i + Queries.CHUNK)
      const binding: Record<string, string> = { case_id: caseId }
      chunk.forEach((v, j) => {
        binding[`v${j}`] = v
      })
      for (const r of yield* run(q.observablesByValue(chunk.length), binding)) {
        existing.set(observableKey(r.type, r.value), Rows.toObservable(r))
      }
    }
    const out = new Map<string, CaseModel.ObservableRecord>()
    for (const o of input) {
      const key = observableKey(o.type, o.value)
      const prev = out.get(key) ?? existing.get(key)
      out.set(
        key,
        prev === undefined
          ? { ...o, caseId }
          : {
              ...prev,
              verdict: Observable.worstVerdict([prev.verdict, o.verdict]),
              sources: [...new Set([...prev.sources, ...o.sources])],
              firstSeen: Math.min(prev.firstSeen, o.firstSeen),
              lastSeen: Math.max(prev.lastSeen, o.lastSeen),
            },
      )
    }
    const inserts: Array<Database.ObservablesTable> = []
    for (const [key, o] of out) {
      const before = existing.get(key)
      if (before === undefined) inserts.push(Rows.fromObservable(o))
      else if (
        before.verdict !== o.verdict ||
        before.firstSeen !== o.firstSeen ||
        before.lastSeen !== o.lastSeen ||
        before.sources.length !== o.sources.length
      ) {
        // Sources only grow (a union), so an unchanged length is an unchanged list.
        yield* run(q.updateObservable, Rows.fromObservable(o))
      }
    }
    for (let i = 0; i < inserts.length; i += Queries.CHUNK) {
      const chunk = inserts.slice(i, i + Queries.CHUNK)
      yield* run(q.insertObservables(chunk.length), chunk)
    }
    return [...out.values()]
  })

  return {
    dialect,
    db,
    q,
    exec,
    run,
    first,
    tx,
    textId: q.textId,
    lockCase,
    caseExists,
    appendEvent,
    recordWithEvent,
    insertEvents,
    writeCase,
    upsertObservables,
  }
}
