import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { afterAll } from "vitest"
import { SqliteClient } from "../src/index.ts"

const root = mkdtempSync(join(tmpdir(), "riposte-sql-sqlite-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshFile = () => join(root, `db-${++counter}`, "test.db")

const withDb = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>, filename = freshFile()) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`
    return yield* effect
  }).pipe(Effect.provide(SqliteClient.layer({ filename })))

const names = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ name: string }>`SELECT name FROM item ORDER BY id`
  return rows.map((row) => row.name)
})

const insert = (name: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql`INSERT INTO item (name) VALUES (${name})`
  })

describe("SqliteClient", () => {
  it.effect("sets WAL, synchronous=FULL, busy_timeout and foreign keys; reports the sqlite dialect", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [journal] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
      const [sync] = yield* sql<{ synchronous: number }>`PRAGMA synchronous`
      const [busy] = yield* sql<{ timeout: number }>`PRAGMA busy_timeout`
      const [fk] = yield* sql<{ foreign_keys: number }>`PRAGMA foreign_keys`
      assert.strictEqual(journal?.journal_mode, "wal")
      assert.strictEqual(sync?.synchronous, 2)
      assert.strictEqual(busy?.timeout, 1234)
      assert.strictEqual(fk?.foreign_keys, 1)
      assert.strictEqual(sql.driver, "sqlite-node")
      assert.strictEqual(sql.onDialectOrElse({ sqlite: () => "sqlite", orElse: () => "other" }), "sqlite")
    }).pipe(Effect.provide(SqliteClient.layer({ filename: freshFile(), busyTimeout: "1234 millis" }))),
  )

  it.effect("creates, reads, updates and deletes rows", () =>
    withDb(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* insert("a")
        yield* insert("b")
        assert.deepStrictEqual(yield* names, ["a", "b"])
        yield* sql`UPDATE item SET name = ${"c"} WHERE name = ${"a"}`
        assert.deepStrictEqual(yield* names, ["c", "b"])
        yield* sql`DELETE FROM item WHERE name = ${"b"}`
        assert.deepStrictEqual(yield* names, ["c"])
        const raw = (yield* sql`INSERT INTO item (name) VALUES (${"d"})`.raw) as { changes: number }
        assert.strictEqual(raw.changes, 1)
        const values = yield* sql`SELECT id, name FROM item ORDER BY id`.values
        assert.deepStrictEqual(
          values.map((row) => row[1]),
          ["c", "d"],
        )
        const unprepared = yield* sql`SELECT name FROM item ORDER BY id`.unprepared
        assert.deepStrictEqual(
          unprepared.map((row) => row.name),
          ["c", "d"],
        )
        const streamed = yield* Stream.runCollect(sql`SELECT name FROM item ORDER BY id`.stream)
        assert.deepStrictEqual(
          Array.from(streamed, (row) => row.name),
          ["c", "d"],
        )
      }),
    ),
  )

  it.effect("commits a transaction", () =>
    withDb(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql.withTransaction(Effect.all([insert("a"), insert("b")]))
        assert.deepStrictEqual(yield* names, ["a", "b"])
      }),
    ),
  )

  it.effect("rolls back a transaction that fails", () =>
    withDb(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const error = yield* sql
          .withTransaction(Effect.andThen(insert("a"), Effect.fail("boom" as const)))
          .pipe(Effect.flip)
        assert.strictEqual(error, "boom")
        assert.deepStrictEqual(yield* names, [])
      }),
    ),
  )

  it.effect("rolls back a nested transaction to its savepoint and keeps the outer one", () =>
    withDb(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* insert("outer")
            const inner = yield* sql
              .withTransaction(Effect.andThen(insert("inner"), Effect.fail("inner failed" as const)))
              .pipe(Effect.flip)
            assert.strictEqual(inner, "inner failed")
            yield* insert("after")
          }),
        )
        assert.deepStrictEqual(yield* names, ["outer", "after"])
      }),
    ),
  )

  it.effect("maps driver errors to SqlError with the cause", () =>
    withDb(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* insert("dup")
        const unique = yield* Effect.flip(insert("dup"))
        assert.isTrue(SqlError.isSqlError(unique))
        assert.strictEqual(unique.reason._tag, "UniqueViolation")
        assert.match(String((unique.reason.cause as Error).message), /UNIQUE constraint failed/)

        yield* sql`CREATE TABLE child (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES item(id))`
        const fk = yield* Effect.flip(sql`INSERT INTO child (item_id) VALUES (${999})`)
        assert.strictEqual(fk.reason._tag, "ConstraintError")
        assert.match(String((fk.reason.cause as Error).message), /FOREIGN KEY constraint failed/)

        const syntax = yield* Effect.flip(sql.unsafe("SELEC nothing"))
        assert.isTrue(SqlError.isSqlError(syntax))
        assert.match(String((syntax.reason.cause as Error).message), /syntax error/)
      }),
    ),
  )

  it.effect("fails with SqlError when the file cannot be opened", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.provide(
          Effect.void,
          SqliteClient.layer({ filename: join(root, "missing", "x.db"), readonly: true }),
        ),
      )
      assert.isTrue(SqlError.isSqlError(error))
    }),
  )

  it.live(
    "two processes writing the same file in transactions lose no rows and surface no SQLITE_BUSY",
    () =>
      Effect.gen(function* () {
        const filename = freshFile()
        const perChild = 200
        yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE rows (worker TEXT NOT NULL, seq INTEGER NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (worker, seq))`
        }).pipe(Effect.provide(SqliteClient.layer({ filename })))

        const script = fileURLToPath(new URL("./fixtures/insertRows.ts", import.meta.url))
        const runChild = (worker: string) =>
          Effect.callback<{ code: number | null; stderr: string }>((resume) => {
            const child = spawn(process.execPath, [script, filename, worker, String(perChild)], {
              stdio: ["ignore", "ignore", "pipe"],
            })
            let stderr = ""
            child.stderr.on("data", (chunk: Buffer) => {
              stderr += chunk.toString()
            })
            child.on("exit", (code) => resume(Effect.succeed({ code, stderr })))
            return Effect.sync(() => child.kill("SIGKILL"))
          })
        const results = yield* Effect.all([runChild("a"), runChild("b")], { concurrency: 2 })
        for (const result of results) {
          assert.notMatch(result.stderr, /BUSY|locked/i)
          assert.strictEqual(result.code, 0, result.stderr)
        }

        const rows = yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ worker: string; seq: number; seen: number }>`SELECT worker, seq, seen FROM rows`
        }).pipe(Effect.provide(SqliteClient.layer({ filename })))
        assert.strictEqual(rows.length, 2 * perChild)
        for (const worker of ["a", "b"]) {
          const mine = rows.filter((row) => row.worker === worker).sort((x, y) => x.seq - y.seq)
          assert.strictEqual(mine.length, perChild)
          // Each transaction saw exactly the rows its worker committed before it.
          assert.deepStrictEqual(
            mine.map((row) => row.seen),
            mine.map((row) => row.seq),
          )
        }
      }),
    30_000,
  )
})
