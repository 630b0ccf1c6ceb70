import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { SqliteClient } from "@riposte/sql-sqlite"
import { Context, Effect, Exit, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { GroupCommit } from "../src/index.ts"

const root = mkdtempSync(join(tmpdir(), "riposte-gc-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

/** Counts the top-level transactions (commits) the wrapped client really runs. */
const counting = (counter: { commits: number }) =>
  Layer.effect(
    SqlClient.SqlClient,
    Effect.gen(function* () {
      const client = yield* SqlClient.SqlClient
      const withTransaction: SqlClient.SqlClient["withTransaction"] = (effect) =>
        Effect.withFiber((fiber) => {
          if (Context.getOption(fiber.context, client.transactionService)._tag === "None") counter.commits++
          return client.withTransaction(effect)
        })
      return Object.assign((...args: Array<unknown>) => (client as any)(...args), client, {
        withTransaction,
      }) as SqlClient.SqlClient
    }),
  )

const database = (counter: { commits: number }) =>
  GroupCommit.layer().pipe(
    Layer.provide(counting(counter)),
    Layer.provide(SqliteClient.layer({ filename: join(root, `gc-${++n}.db`) })),
  )

const setup = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`
  return sql
})

const ids = (sql: SqlClient.SqlClient) =>
  Effect.map(sql<{ id: number }>`SELECT id FROM t ORDER BY id`, (rows) => rows.map((r) => Number(r.id)))

describe("GroupCommit", () => {
  it.effect("concurrent transactions share commits; every one is stored", () => {
    const counter = { commits: 0 }
    return Effect.gen(function* () {
      const sql = yield* setup
      counter.commits = 0
      yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        (i) => sql.withTransaction(sql`INSERT INTO t (id, v) VALUES (${i}, 'x')`),
        { concurrency: "unbounded", discard: true },
      )
      assert.lengthOf(yield* ids(sql), 100)
      assert.isBelow(counter.commits, 10, `100 transactions took ${counter.commits} commits`)
    }).pipe(Effect.provide(database(counter)))
  })

  it.effect("a failing caller rolls back its own writes only and gets its own error", () => {
    const counter = { commits: 0 }
    const runs = new Map<number, number>()
    return Effect.gen(function* () {
      const sql = yield* setup
      const exits = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => i),
        (i) =>
          Effect.exit(
            sql.withTransaction(
              Effect.andThen(
                Effect.andThen(
                  Effect.sync(() => void runs.set(i, (runs.get(i) ?? 0) + 1)),
                  sql`INSERT INTO t (id, v) VALUES (${i}, 'x')`,
                ),
                i === 3 ? Effect.fail(`boom-${i}`) : Effect.succeed(i),
              ),
            ),
          ),
        { concurrency: "unbounded" },
      )
      assert.deepStrictEqual(yield* ids(sql), [0, 1, 2, 4, 5, 6, 7, 8, 9])
      assert.deepStrictEqual(exits[3], Exit.fail("boom-3"))
      assert.deepStrictEqual(exits[4], Exit.succeed(4))
      // The failure rolled back the shared transaction: callers before it ran again, once.
      assert.strictEqual(runs.get(3), 1)
      assert.isTrue([...runs.values()].every((n) => n <= 2))
    }).pipe(Effect.provide(database(counter)))
  })

  it.effect("a nested transaction is a savepoint; afterCommit runs after the commit", () => {
    const counter = { commits: 0 }
    return Effect.gen(function* () {
      const sql = yield* setup
      const seen: Array<ReadonlyArray<number>> = []
      yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO t (id, v) VALUES (1, 'outer')`
          yield* Effect.exit(
            sql.withTransaction(
              Effect.andThen(sql`INSERT INTO t (id, v) VALUES (2, 'inner')`, Effect.fail("no")),
            ),
          )
          yield* sql.afterCommit(
            Effect.flatMap(Effect.orDie(ids(sql)), (r) => Effect.sync(() => void seen.push(r))),
          )
        }),
      )
      assert.deepStrictEqual(yield* ids(sql), [1])
      assert.deepStrictEqual(seen, [[1]], "the callback ran after the commit and saw it")
    }).pipe(Effect.provide(database(counter)))
  })

  it.effect("a caller's services reach its effect on the committer's fiber", () => {
    const counter = { commits: 0 }
    const Tag = Context.Service<{ readonly name: string }>("test/Tag")
    return Effect.gen(function* () {
      const sql = yield* setup
      const names = yield* Effect.forEach(
        ["a", "b", "c"],
        (name) =>
          sql
            .withTransaction(
              Effect.gen(function* () {
                return (yield* Tag).name
              }),
            )
            .pipe(Effect.provideService(Tag, { name })),
        { concurrency: "unbounded" },
      )
      assert.deepStrictEqual(names, ["a", "b", "c"])
    }).pipe(Effect.provide(database(counter)))
  })
})
