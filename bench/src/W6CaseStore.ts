/**
 * W6 case-store writes: a timeline append built with kysely and run through the SqlCaseStore
 * adapter (SqlClient) against the same statements on the raw driver: on SQLite the counter
 * UPDATE … RETURNING and the INSERT in one transaction (node:sqlite); on Postgres the single
 * statement the adapter sends (a data-modifying CTE, autocommit) through `pg`.
 */
import { DatabaseSync } from "node:sqlite"
import { PgClient } from "@effect/sql-pg"
import { SqlCaseStore } from "@riposte/case-store"
import { CaseStore } from "@riposte/core"
import { SqliteClient } from "@riposte/sql-sqlite"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import pg from "pg"
import { freshPostgres, tempDir } from "./Db.ts"
import { row, type WorkloadResult } from "./Report.ts"
import { median, since } from "./Stats.ts"

const N = 500

const event = { kind: "note" as const, actor: { kind: "user" as const, id: "bench" }, message: "bench event" }

const viaAdapter = (layer: Layer.Layer<CaseStore.CaseStore, unknown, never>) => {
  const rt = ManagedRuntime.make(layer)
  return rt
    .runPromise(
      Effect.gen(function* () {
        const store = yield* CaseStore.CaseStore
        const opened = yield* store.open(
          {
            title: "bench",
            severity: "low",
            playbook: "bench",
            playbookVersion: "1",
            runId: "r",
            dedupKey: "bench:1",
            alert: {},
          },
          { actor: { kind: "system", id: "bench" } },
        )
        const id = opened.case.id
        for (let i = 0; i < 50; i++) yield* store.appendTimeline(id, event)
        const times: Array<number> = []
        for (let i = 0; i < N; i++) {
          const t = performance.now()
          yield* store.appendTimeline(id, event)
          times.push(since(t))
        }
        return { p50: median(times), caseId: id }
      }) as Effect.Effect<{ p50: number; caseId: string }, unknown, CaseStore.CaseStore>,
    )
    .finally(() => rt.dispose())
}

const UPDATE = "update riposte_cases set timeline_seq = timeline_seq + 1 where id = $1 returning timeline_seq"
/** The adapter's Postgres append: counter and event in one statement. */
const APPEND_PG =
  "with s as (update riposte_cases set timeline_seq = timeline_seq + 1 where id = $1 returning timeline_seq) " +
  "insert into riposte_case_timeline (case_id, seq, at, kind, actor_kind, actor_id, message, data) " +
  "select $1, timeline_seq, $2, $3, $4, $5, $6, $7 from s returning seq"
const INSERT =
  "insert into riposte_case_timeline (case_id, seq, at, kind, actor_kind, actor_id, message, data) values ($1, $2, $3, $4, $5, $6, $7, $8)"

const rawSqlite = (file: string, caseId: string): number => {
  const db = new DatabaseSync(file)
  db.exec("PRAGMA journal_mode = WAL")
  db.exec("PRAGMA synchronous = FULL")
  const update = db.prepare(UPDATE.replace("$1", "?"))
  const insert = db.prepare(INSERT.replace(/\$\d/g, "?"))
  const times: Array<number> = []
  for (let i = 0; i < N + 50; i++) {
    const t = performance.now()
    db.exec("BEGIN IMMEDIATE")
    const seq = (update.get(caseId) as { timeline_seq: number }).timeline_seq
    insert.run(caseId, seq, Date.now(), "note", "user", "bench", "bench event", null)
    db.exec("COMMIT")
    if (i >= 50) times.push(since(t))
  }
  db.close()
  return median(times)
}

const rawPg = async (url: string, caseId: string): Promise<number> => {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  const times: Array<number> = []
  for (let i = 0; i < N + 50; i++) {
    const t = performance.now()
    await c.query(APPEND_PG, [caseId, Date.now(), "note", "user", "bench", "bench event", null])
    if (i >= 50) times.push(since(t))
  }
  await c.end()
  return median(times)
}

const storeLayer = (dialect: "sqlite" | "postgres", sql: Layer.Layer<any, any, never>) =>
  SqlCaseStore.layer({ dialect }).pipe(
    Layer.provide(Layer.effectDiscard(SqlCaseStore.migrate({ dialect }))),
    Layer.provide(sql),
  ) as Layer.Layer<CaseStore.CaseStore, unknown, never>

export const run = async (_quick: boolean): Promise<WorkloadResult> => {
  const started = performance.now()
  const W = "W6 case-store writes"
  const dir = tempDir("w6")
  const db = await freshPostgres("w6")
  try {
    const file = `${dir.path}/cases.db`
    const s: Array<number> = []
    const sr: Array<number> = []
    const p: Array<number> = []
    const pr: Array<number> = []
    for (let r = 0; r < 3; r++) {
      const a = await viaAdapter(storeLayer("sqlite", SqliteClient.layer({ filename: file })))
      s.push(a.p50)
      sr.push(rawSqlite(file, a.caseId))
      const b = await viaAdapter(storeLayer("postgres", PgClient.layer({ url: Redacted.make(db.url) })))
      p.push(b.p50)
      pr.push(await rawPg(db.url, b.caseId))
    }
    const sqliteAdapter = { p50: median(s) }
    const sqliteRaw = median(sr)
    const pgAdapter = { p50: median(p) }
    const pgRaw = median(pr)
    return {
      workload: "W6",
      title: "case-store timeline append: kysely + SqlClient adapter vs raw driver",
      size: { appends: N, repetitions: 3 },
      rows: [
        row(W, "SQLite appendTimeline p50 (adapter)", sqliteAdapter.p50, "ms", {
          baseline: { name: "raw node:sqlite, same 2 statements + tx", value: sqliteRaw },
        }),
        row(W, "Postgres appendTimeline p50 (adapter)", pgAdapter.p50, "ms", {
          baseline: { name: "raw pg, the same single statement", value: pgRaw },
        }),
      ],
      seconds: since(started) / 1000,
    }
  } finally {
    dir.remove()
    await db.drop()
  }
}
