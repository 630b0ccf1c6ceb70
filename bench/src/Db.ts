/**
 * Databases for the workloads: a fresh Postgres database per workload (dropped after), the raw
 * single-row INSERT commit baselines, and counters of what the engine sends to each database.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync, StatementSync } from "node:sqlite"
import pg from "pg"
import { median, since } from "./Stats.ts"

export const adminUrl = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"

export interface FreshDatabase {
  readonly url: string
  readonly name: string
  readonly drop: () => Promise<void>
}

const withAdmin = async <A>(f: (c: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end()
  }
}

/** `CREATE DATABASE riposte_bench_<rand>`; `drop()` terminates its sessions and drops it. */
export const freshPostgres = async (label: string): Promise<FreshDatabase> => {
  const name = `riposte_bench_${label}_${randomBytes(4).toString("hex")}`
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      }),
  }
}

/**
 * Commits and rows written in one database, from pg_stat_database. Backends flush their counters
 * when they exit (or about once a second): wait until the database has no other session and the
 * flushes landed.
 */
export const pgStats = (name: string) =>
  withAdmin(async (c) => {
    for (let i = 0; i < 50; i++) {
      const r = await c.query("select count(*)::int as n from pg_stat_activity where datname = $1", [name])
      if ((r.rows[0] as { n: number }).n === 0) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await c.query("select pg_stat_clear_snapshot()")
    const r = await c.query(
      "select xact_commit::float8 as commits, (tup_inserted + tup_updated + tup_deleted)::float8 as rows, " +
        "tup_fetched::float8 as fetched from pg_stat_database where datname = $1",
      [name],
    )
    return r.rows[0] as { commits: number; rows: number; fetched: number }
  })

/** A temporary directory, removed by `remove()`. */
export const tempDir = (label: string) => {
  const path = mkdtempSync(join(tmpdir(), `riposte-bench-${label}-`))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** p50 (ms) of `n` single-row INSERT commits on a SQLite file with the engine's settings. */
export const rawSqliteCommit = (directory: string, n = 300): number => {
  const db = new DatabaseSync(join(directory, "raw.db"))
  db.exec("PRAGMA journal_mode = WAL")
  db.exec("PRAGMA synchronous = FULL")
  db.exec("create table if not exists raw_commit (id integer primary key, payload text not null)")
  const insert = db.prepare("insert into raw_commit (payload) values (?)")
  const times: Array<number> = []
  for (let i = 0; i < n + 20; i++) {
    const start = performance.now()
    insert.run(`row-${i}`)
    if (i >= 20) times.push(since(start))
  }
  db.close()
  return median(times)
}

/** p50 (ms) of `n` single-row INSERT commits through the raw `pg` driver. */
export const rawPostgresCommit = async (url: string, n = 300): Promise<number> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(
    "create table if not exists raw_commit (id bigserial primary key, payload text not null)",
  )
  const times: Array<number> = []
  for (let i = 0; i < n + 20; i++) {
    const start = performance.now()
    await client.query("insert into raw_commit (payload) values ($1)", [`row-${i}`])
    if (i >= 20) times.push(since(start))
  }
  await client.end()
  return median(times)
}

/**
 * Counts every statement `node:sqlite` executes in this process (the engine's SqlClient is the
 * only user), split into reads, writes, transaction control and commits (explicit COMMITs plus
 * writes run outside a transaction, which commit on their own).
 */
export const sqliteCounter = (() => {
  const counts = { statements: 0, reads: 0, writes: 0, commits: 0, begins: 0 }
  let installed = false
  const classify = (sql: string, inTransaction: boolean) => {
    counts.statements++
    const head = sql.trimStart().slice(0, 8).toLowerCase()
    if (head.startsWith("begin") || head.startsWith("savepoin")) counts.begins++
    else if (head.startsWith("commit") || head.startsWith("release")) {
      if (head.startsWith("commit")) counts.commits++
    } else if (head.startsWith("select") || head.startsWith("pragma") || head.startsWith("with"))
      counts.reads++
    else {
      counts.writes++
      if (!inTransaction) counts.commits++
    }
  }
  const owners = new WeakMap<StatementSync, DatabaseSync>()
  // BENCH_SQL_TIMING=1: wall time inside node:sqlite per statement text (the top ones are
  // printed by `topStatements`).
  const timing = process.env.BENCH_SQL_TIMING === "1"
  const timings = new Map<string, { count: number; ms: number }>()
  const time = (sql: string, ms: number) => {
    const t = timings.get(sql)
    if (t === undefined) timings.set(sql, { count: 1, ms })
    else {
      t.count++
      t.ms += ms
    }
  }
  const install = () => {
    if (installed) return
    installed = true
    const proto = StatementSync.prototype as unknown as Record<string, (...args: Array<unknown>) => unknown>
    const prepare = DatabaseSync.prototype.prepare
    DatabaseSync.prototype.prepare = function (this: DatabaseSync, sql: string, ...rest: Array<unknown>) {
      const s = (prepare as (...a: Array<unknown>) => StatementSync).call(this, sql, ...rest)
      owners.set(s, this)
      return s
    } as typeof prepare
    for (const method of ["run", "all", "get", "iterate"]) {
      const original = proto[method]!
      proto[method] = function (this: StatementSync, ...args: Array<unknown>) {
        const db = owners.get(this)
        classify(this.sourceSQL, db?.isTransaction ?? false)
        if (!timing) return original.apply(this, args)
        const start = performance.now()
        try {
          return original.apply(this, args)
        } finally {
          time(this.sourceSQL, performance.now() - start)
        }
      }
    }
    const exec = DatabaseSync.prototype.exec
    DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
      classify(sql, this.isTransaction)
      if (!timing) return exec.call(this, sql)
      const start = performance.now()
      try {
        return exec.call(this, sql)
      } finally {
        time(sql, performance.now() - start)
      }
    }
  }
  return {
    install,
    /** With BENCH_SQL_TIMING=1: the statements that took the most time in node:sqlite, then reset. */
    topStatements: (n = 15): Array<string> => {
      const rows = [...timings.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, n)
      const total = [...timings.values()].reduce((sum, t) => sum + t.ms, 0)
      timings.clear()
      return rows.map(
        ([sql, t]) =>
          `${t.ms.toFixed(0).padStart(7)} ms ${((t.ms / total) * 100).toFixed(1).padStart(5)} % ` +
          `${t.count.toString().padStart(8)}× ${((t.ms / t.count) * 1000).toFixed(0).padStart(6)} µs  ` +
          sql.replace(/\s+/g, " ").slice(0, 110),
      )
    },
    snapshot: () => ({ ...counts }),
    diff: (before: typeof counts) => {
      const now = { ...counts }
      return {
        statements: now.statements - before.statements,
        reads: now.reads - before.reads,
        writes: now.writes - before.writes,
        commits: now.commits - before.commits,
        begins: now.begins - before.begins,
      }
    },
  }
})()
