/**
 * The journal's SQL: four tables and the statements the engine runs, for SQLite and Postgres.
 *
 * Every statement is written once with `?` placeholders (rewritten to `$n` for Postgres) and run
 * through `sql.unsafe`, so no statement is compiled from a template at run time. Every write that
 * must be atomic with another is a single transaction here; nothing in this module keeps state.
 */
import { Effect } from "effect"
import type { SqlClient, SqlError } from "effect/sql"

export type Dialect = "sqlite" | "pg"

/** A row of the executions table, as the engine needs it. */
export interface ExecutionRow {
  readonly workflow: string
  readonly payload: string
  readonly parent: string | null
  readonly state: "running" | "suspended" | "complete"
  readonly failed: boolean
  readonly interrupted: boolean
  readonly wakeSeq: number
  readonly result: string | null
}

/** What a run needs to replay: its journaled activities, completed deferreds and scheduled clocks. */
export interface JournalRows {
  readonly activities: ReadonlyArray<{ readonly key: string; readonly exit: string }>
  readonly deferreds: ReadonlyArray<{ readonly name: string; readonly exit: string }>
  readonly clocks: ReadonlyArray<string>
}

export interface DueClock {
  readonly executionId: string
  readonly name: string
  readonly workflow: string
}

const toDollar = (text: string): string => {
  let n = 0
  return text.replace(/\?/g, () => `$${++n}`)
}

const bool = (v: unknown): boolean => v === true || v === 1 || v === 1n || v === "1" || v === "t"
const num = (v: unknown): number => (typeof v === "number" ? v : Number(v))

/** The DDL, idempotent (`IF NOT EXISTS`). */
export const ddl = (prefix: string, dialect: Dialect): ReadonlyArray<string> => {
  const big = dialect === "pg" ? "BIGINT" : "INTEGER"
  return [
    // The payload (often large: a whole alert) lives in its own table: SQLite rewrites a whole
    // row on every UPDATE, and an execution's state changes several times.
    `CREATE TABLE IF NOT EXISTS ${prefix}payloads (
      execution_id TEXT PRIMARY KEY,
      payload TEXT NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS ${prefix}executions (
      execution_id TEXT PRIMARY KEY,
      workflow TEXT NOT NULL,
      parent TEXT,
      state TEXT NOT NULL,
      failed SMALLINT NOT NULL DEFAULT 0,
      interrupted SMALLINT NOT NULL DEFAULT 0,
      wake_seq ${big} NOT NULL DEFAULT 0,
      result TEXT,
      created_at ${big} NOT NULL,
      updated_at ${big} NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS ${prefix}executions_running ON ${prefix}executions (workflow) WHERE state = 'running'`,
    `CREATE TABLE IF NOT EXISTS ${prefix}activities (
      execution_id TEXT NOT NULL,
      name TEXT NOT NULL,
      result TEXT NOT NULL,
      PRIMARY KEY (execution_id, name)
    )`,
    `CREATE TABLE IF NOT EXISTS ${prefix}deferreds (
      execution_id TEXT NOT NULL,
      name TEXT NOT NULL,
      exit TEXT NOT NULL,
      PRIMARY KEY (execution_id, name)
    )`,
    `CREATE TABLE IF NOT EXISTS ${prefix}clocks (
      execution_id TEXT NOT NULL,
      name TEXT NOT NULL,
      workflow TEXT NOT NULL,
      wake_at ${big} NOT NULL,
      PRIMARY KEY (execution_id, name)
    )`,
    `CREATE INDEX IF NOT EXISTS ${prefix}clocks_wake_at ON ${prefix}clocks (wake_at)`,
  ]
}

export type Store = ReturnType<typeof make>

/**
 * The statements over one `SqlClient`. Activity keys are `name/attempt` (one column keeps the
 * primary key short).
 */
export const make = (sql: SqlClient.SqlClient, prefix: string) => {
  const dialect: Dialect = sql.onDialectOrElse({ pg: () => "pg" as const, orElse: () => "sqlite" as const })
  const q = dialect === "pg" ? toDollar : (text: string) => text
  const E = `${prefix}executions`
  const P = `${prefix}payloads`
  const A = `${prefix}activities`
  const D = `${prefix}deferreds`
  const C = `${prefix}clocks`

  const s = {
    insertExecution: q(
      `INSERT INTO ${E} (execution_id, workflow, parent, state, created_at, updated_at)
       VALUES (?, ?, ?, 'running', ?, ?) ON CONFLICT (execution_id) DO NOTHING RETURNING wake_seq`,
    ),
    insertPayload: q(
      `INSERT INTO ${P} (execution_id, payload) VALUES (?, ?) ON CONFLICT (execution_id) DO NOTHING`,
    ),
    // Postgres: both rows in one statement (one round trip, atomic).
    insertExecutionPg: q(
      `WITH e AS (
         INSERT INTO ${E} (execution_id, workflow, parent, state, created_at, updated_at)
         VALUES (?, ?, ?, 'running', ?, ?) ON CONFLICT (execution_id) DO NOTHING RETURNING execution_id
       )
       INSERT INTO ${P} (execution_id, payload) SELECT execution_id, ? FROM e RETURNING execution_id`,
    ),
    execution: q(
      `SELECT e.workflow, p.payload, e.parent, e.state, e.failed, e.interrupted, e.wake_seq, e.result
       FROM ${E} e JOIN ${P} p ON p.execution_id = e.execution_id WHERE e.execution_id = ?`,
    ),
    outcome: q(`SELECT state, failed, result FROM ${E} WHERE execution_id = ?`),
    journal: q(
      `SELECT 'a' AS k, name, result AS v FROM ${A} WHERE execution_id = ?
       UNION ALL SELECT 'd' AS k, name, exit AS v FROM ${D} WHERE execution_id = ?
       UNION ALL SELECT 'c' AS k, name, NULL AS v FROM ${C} WHERE execution_id = ?`,
    ),
    deferreds: q(`SELECT name, exit FROM ${D} WHERE execution_id = ?`),
    insertActivity: q(
      `INSERT INTO ${A} (execution_id, name, result) VALUES (?, ?, ?) ON CONFLICT (execution_id, name) DO NOTHING`,
    ),
    insertDeferred: q(
      `INSERT INTO ${D} (execution_id, name, exit) VALUES (?, ?, ?) ON CONFLICT (execution_id, name) DO NOTHING`,
    ),
    wake: q(
      `UPDATE ${E} SET wake_seq = wake_seq + 1, updated_at = ?,
         state = CASE WHEN state = 'suspended' AND failed = 0 THEN 'running' ELSE state END
       WHERE execution_id = ? RETURNING wake_seq, state`,
    ),
    complete: q(`UPDATE ${E} SET state = 'complete', result = ?, updated_at = ? WHERE execution_id = ?`),
    deleteClocks: q(`DELETE FROM ${C} WHERE execution_id = ?`),
    suspend: q(
      `UPDATE ${E} SET state = 'suspended', failed = ?, result = ?, updated_at = ?
       WHERE execution_id = ? AND wake_seq = ? AND state = 'running' RETURNING wake_seq`,
    ),
    resume: q(
      `UPDATE ${E} SET state = 'running', failed = 0, wake_seq = wake_seq + 1, updated_at = ?
       WHERE execution_id = ? AND state = 'suspended' RETURNING wake_seq`,
    ),
    interrupt: q(
      `UPDATE ${E} SET interrupted = 1, state = CASE WHEN state = 'suspended' THEN 'running' ELSE state END,
         wake_seq = wake_seq + 1, updated_at = ? WHERE execution_id = ? AND state <> 'complete'`,
    ),
    running: q(`SELECT execution_id FROM ${E} WHERE workflow = ? AND state = 'running'`),
    insertClock: q(
      `INSERT INTO ${C} (execution_id, name, workflow, wake_at) VALUES (?, ?, ?, ?) ON CONFLICT (execution_id, name) DO NOTHING`,
    ),
    deleteClock: q(`DELETE FROM ${C} WHERE execution_id = ? AND name = ?`),
  }

  const run = <A extends object = Record<string, unknown>>(text: string, params: ReadonlyArray<unknown>) =>
    sql.unsafe<A>(text, params)
  /**
   * A single write on its own. On SQLite it is a transaction, so that a group-committing client
   * (`GroupCommit`) can share its fsync with concurrent ones; on Postgres an autocommit statement
   * is one round trip instead of three.
   */
  const write = <A, E, R>(effect: Effect.Effect<A, E, R>) => (dialect === "sqlite" ? atomic(effect) : effect)
  /**
   * Statements that commit together. Inside a caller's transaction they simply join it (no
   * savepoint: an error fails the caller's transaction, which the engine never swallows).
   */
  const atomic = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    Effect.flatMap(Effect.serviceOption(sql.transactionService), (current) =>
      current._tag === "Some" ? effect : sql.withTransaction(effect),
    )
  const raw = (text: string, params: ReadonlyArray<unknown>) => sql.unsafe(text, params).raw

  return {
    dialect,
    migrate: Effect.forEach(ddl(prefix, dialect), (statement) => sql.unsafe(statement), { discard: true }),

    /** Inserts a new execution; `true` when it was new. */
    insertExecution: (
      executionId: string,
      workflow: string,
      payload: string,
      parent: string | null,
      now: number,
    ): Effect.Effect<boolean, SqlError.SqlError> =>
      dialect === "pg"
        ? Effect.map(
            run(s.insertExecutionPg, [executionId, workflow, parent, now, now, payload]),
            (rows) => rows.length > 0,
          )
        : atomic(
            Effect.flatMap(run(s.insertExecution, [executionId, workflow, parent, now, now]), (rows) =>
              rows.length > 0
                ? Effect.as(raw(s.insertPayload, [executionId, payload]), true)
                : Effect.succeed(false),
            ),
          ),

    execution: (executionId: string): Effect.Effect<ExecutionRow | undefined, SqlError.SqlError> =>
      Effect.map(run(s.execution, [executionId]), (rows) => {
        const r = rows[0]
        if (r === undefined) return undefined
        return {
          workflow: String(r.workflow),
          payload: String(r.payload),
          parent: r.parent === null || r.parent === undefined ? null : String(r.parent),
          state: r.state as ExecutionRow["state"],
          failed: bool(r.failed),
          interrupted: bool(r.interrupted),
          wakeSeq: num(r.wake_seq),
          result: r.result === null || r.result === undefined ? null : String(r.result),
        }
      }),

    outcome: (
      executionId: string,
    ): Effect.Effect<
      { readonly state: ExecutionRow["state"]; readonly result: string | null } | undefined,
      SqlError.SqlError
    > =>
      Effect.map(run(s.outcome, [executionId]), (rows) => {
        const r = rows[0]
        return r === undefined
          ? undefined
          : {
              state: r.state as ExecutionRow["state"],
              result: r.result === null || r.result === undefined ? null : String(r.result),
            }
      }),

    journal: (executionId: string): Effect.Effect<JournalRows, SqlError.SqlError> =>
      Effect.map(run(s.journal, [executionId, executionId, executionId]), (rows) => {
        const activities: Array<{ key: string; exit: string }> = []
        const deferreds: Array<{ name: string; exit: string }> = []
        const clocks: Array<string> = []
        for (const r of rows) {
          if (r.k === "a") activities.push({ key: String(r.name), exit: String(r.v) })
          else if (r.k === "d") deferreds.push({ name: String(r.name), exit: String(r.v) })
          else clocks.push(String(r.name))
        }
        return { activities, deferreds, clocks }
      }),

    deferreds: (executionId: string) =>
      Effect.map(run(s.deferreds, [executionId]), (rows) =>
        rows.map((r) => ({ name: String(r.name), exit: String(r.exit) })),
      ),

    /** Journals an activity (in the caller's transaction, if any). */
    insertActivity: (executionId: string, key: string, exit: string) =>
      Effect.asVoid(raw(s.insertActivity, [executionId, key, exit])),
    write,

    /**
     * Stores a deferred's result (the first one wins) and marks the execution for a wake-up: a
     * suspended run that did not fail becomes `running` again. Returns the execution's new wake
     * sequence, or `undefined` when no such execution exists.
     */
    completeDeferred: (executionId: string, name: string, exit: string, now: number) =>
      atomic(
        Effect.andThen(
          raw(s.insertDeferred, [executionId, name, exit]),
          Effect.map(run(s.wake, [now, executionId]), (rows) =>
            rows[0] === undefined
              ? undefined
              : { wakeSeq: num(rows[0].wake_seq), state: String(rows[0].state) },
          ),
        ),
      ),

    /** Fires a durable clock: its deferred, the wake-up and the clock's removal commit together. */
    fireClock: (executionId: string, clock: string, deferred: string, exit: string, now: number) =>
      atomic(
        Effect.andThen(
          raw(s.insertDeferred, [executionId, deferred, exit]),
          Effect.andThen(
            raw(s.deleteClock, [executionId, clock]),
            Effect.map(run(s.wake, [now, executionId]), (rows) =>
              rows[0] === undefined
                ? undefined
                : { wakeSeq: num(rows[0].wake_seq), state: String(rows[0].state) },
            ),
          ),
        ),
      ),

    /**
     * Records the final result and drops the execution's pending clocks; wakes the parent run
     * waiting for it in the same transaction (a crash cannot separate the two). Returns the
     * parent's new wake sequence.
     */
    complete: (executionId: string, result: string, now: number, parent: string | undefined) =>
      atomic(
        Effect.gen(function* () {
          yield* raw(s.complete, [result, now, executionId])
          yield* raw(s.deleteClocks, [executionId])
          if (parent === undefined) return undefined
          const rows = yield* run(s.wake, [now, parent])
          return rows[0] === undefined ? undefined : num(rows[0].wake_seq)
        }),
      ),

    /** Parks a run; `false` when a wake-up arrived since `wakeSeq` (the run must replay instead). */
    suspend: (executionId: string, failed: boolean, result: string, wakeSeq: number, now: number) =>
      write(
        Effect.map(
          run(s.suspend, [failed ? 1 : 0, result, now, executionId, wakeSeq]),
          (rows) => rows.length > 0,
        ),
      ),

    /** Explicit resume of a suspended run (also one that suspended on failure). */
    resume: (executionId: string, now: number) =>
      write(
        Effect.map(run(s.resume, [now, executionId]), (rows) =>
          rows[0] === undefined ? undefined : num(rows[0].wake_seq),
        ),
      ),

    interrupt: (executionId: string, now: number) =>
      write(Effect.asVoid(raw(s.interrupt, [now, executionId]))),

    running: (workflow: string) =>
      Effect.map(run(s.running, [workflow]), (rows) => rows.map((r) => String(r.execution_id))),

    insertClock: (executionId: string, name: string, workflow: string, wakeAt: number) =>
      write(Effect.asVoid(raw(s.insertClock, [executionId, name, workflow, wakeAt]))),

    dueClocks: (
      now: number,
      workflows: ReadonlyArray<string>,
      limit: number,
    ): Effect.Effect<ReadonlyArray<DueClock>, SqlError.SqlError> =>
      workflows.length === 0
        ? Effect.succeed([])
        : Effect.map(
            run(
              q(
                `SELECT execution_id, name, workflow FROM ${C} WHERE wake_at <= ? AND workflow IN (${workflows.map(() => "?").join(", ")}) ORDER BY wake_at LIMIT ${Math.max(1, Math.floor(limit))}`,
              ),
              [now, ...workflows],
            ),
            (rows) =>
              rows.map((r) => ({
                executionId: String(r.execution_id),
                name: String(r.name),
                workflow: String(r.workflow),
              })),
          ),

    nextClock: (workflows: ReadonlyArray<string>): Effect.Effect<number | undefined, SqlError.SqlError> =>
      workflows.length === 0
        ? Effect.succeed(undefined)
        : Effect.map(
            run(
              q(
                `SELECT MIN(wake_at) AS next FROM ${C} WHERE workflow IN (${workflows.map(() => "?").join(", ")})`,
              ),
              workflows,
            ),
            (rows) => {
              const v = rows[0]?.next
              return v === null || v === undefined ? undefined : num(v)
            },
          ),
  }
}
