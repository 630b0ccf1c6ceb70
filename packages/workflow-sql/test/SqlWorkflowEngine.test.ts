import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync, type StatementSync } from "node:sqlite"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { SqliteClient } from "@riposte/sql-sqlite"
import { Context, Effect, Exit, Fiber, Layer, Option, Redacted, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import type { WorkflowEngine } from "effect/workflow"
import { afterAll } from "vitest"
import { GroupCommit, SqlWorkflowEngine } from "../src/index.ts"
import { preparePostgres } from "./fixtures/postgres.ts"
import * as W from "./fixtures/Workflows.ts"

const root = mkdtempSync(join(tmpdir(), "riposte-wsql-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const pg = await preparePostgres()
afterAll(() => pg.cleanup())
if (!pg.ok) console.log(`[workflow-sql] Postgres tests skipped: ${pg.reason}`)
const runPg = pg.ok || process.env.CI === "true"

let counter = 0
const unique = (name: string) => `${name}-${process.pid}-${++counter}`

type Sql = Layer.Layer<SqlClient.SqlClient, unknown>
/** A database: each call gives a new client ("process") over the same data. */
type Database = () => Sql

const sqliteDatabase = (): Database => {
  const filename = join(root, `${unique("db")}.db`)
  return () => SqliteClient.layer({ filename })
}
/** The embedded default: SQLite behind GroupCommit. */
const groupCommitDatabase = (): Database => {
  const filename = join(root, `${unique("db")}.db`)
  return () => GroupCommit.layer().pipe(Layer.provide(SqliteClient.layer({ filename })))
}
const pgDatabase = (): Database => {
  if (!pg.ok) throw new Error(`Postgres unavailable: ${pg.reason}`)
  const url = pg.url
  return () => PgClient.layer({ url: Redacted.make(url) })
}

type Services = WorkflowEngine.WorkflowEngine | SqlWorkflowEngine.Inspect | SqlClient.SqlClient

/** Engine + every fixture workflow over `db`, alive as long as `scope` (one "process"). */
const startEngine = (db: Database, scope: Scope.Scope) =>
  Effect.gen(function* () {
    const layer = Layer.mergeAll(...W.all).pipe(
      Layer.provideMerge(SqlWorkflowEngine.layer({ clockPollInterval: "5 seconds" })),
      Layer.provideMerge(db()),
    )
    const context = (yield* Layer.buildWithScope(layer, scope)) as Context.Context<Services>
    const sql = Context.get(context, SqlClient.SqlClient)
    yield* sql`CREATE TABLE IF NOT EXISTS wsql_rows (id TEXT NOT NULL, kind TEXT NOT NULL)`
    return context
  })

/** Runs `body` against a fresh engine over `db`, closed afterwards. */
const withEngine = <A, E>(db: Database, body: Effect.Effect<A, E, Services>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const context = yield* startEngine(db, yield* Effect.scope)
      return yield* Effect.provideContext(body, context)
    }),
  )

/** A "process" that can be stopped: its engine lives until `stop`. */
const process1 = (db: Database) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const context = yield* startEngine(db, scope)
    return {
      run: <A, E>(body: Effect.Effect<A, E, Services>) => Effect.provideContext(body, context),
      stop: Scope.close(scope, Exit.void),
    }
  })

/** Waits in real time (whatever the test clock says) until `condition` holds. */
const until = <E, R>(what: string, condition: Effect.Effect<boolean, E, R>, seconds = 20) =>
  Effect.gen(function* () {
    const deadline = Date.now() + seconds * 1000
    while (!(yield* condition)) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
    }
  })

const isSuspended = (
  workflow: { readonly poll: (id: string) => Effect.Effect<Option.Option<any>, never, any> },
  id: string,
) =>
  Effect.map(
    workflow.poll(id),
    (o) => Option.isSome(o) && (o.value as { readonly _tag: string })._tag === "Suspended",
  )

const inMemory = Effect.gen(function* () {
  return (yield* SqlWorkflowEngine.Inspect).runsInMemory()
})

const rows = (id: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const r = yield* sql<{ kind: string }>`SELECT kind FROM wsql_rows WHERE id = ${id} ORDER BY kind`
    return r.map((x) => x.kind)
  })

const suite = (name: string, database: () => Database) =>
  describe(name, () => {
    it.live("journals each activity once; a parked run leaves memory and resumes on its deferred", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const id = unique("gate")
          const executionId = yield* W.Gate.execute({ id }, { discard: true })
          yield* until("parked", isSuspended(W.Gate, executionId))
          assert.strictEqual(yield* inMemory, 0, "a parked run is not held in memory")
          assert.strictEqual(W.count(`${id}/A`), 1)
          yield* W.approve(id, "ok")
          const result = yield* W.Gate.execute({ id })
          assert.strictEqual(result, "A-done|ok|B-done")
          assert.strictEqual(W.count(`${id}/A`), 1, "A is replayed from the journal, not run again")
          assert.strictEqual(W.count(`${id}/B`), 1)
          assert.strictEqual(W.count(`${id}/replay`), 2, "the body ran twice: park, then resume")
          const polled = yield* W.Gate.poll(executionId)
          assert.isTrue(Option.isSome(polled) && polled.value._tag === "Complete")
          assert.strictEqual(yield* inMemory, 0)
        }),
      ),
    )

    it.live("a caller waiting on a parked run gets the result when it completes", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const id = unique("join")
          const waiting = yield* Effect.forkChild(W.Gate.execute({ id }))
          const executionId = yield* W.Gate.executionId({ id })
          yield* until("parked", isSuspended(W.Gate, executionId))
          yield* W.approve(id, "yes")
          assert.strictEqual(yield* Fiber.join(waiting), "A-done|yes|B-done")
        }),
      ),
    )

    it.live("starting the same execution twice at once runs it once", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const id = unique("twice")
          const [a, b] = yield* Effect.all(
            [W.Gate.execute({ id }, { discard: true }), W.Gate.execute({ id }, { discard: true })],
            {
              concurrency: 2,
            },
          )
          assert.strictEqual(a, b)
          yield* until("parked", isSuspended(W.Gate, a))
          yield* W.approve(id, "ok")
          assert.strictEqual(yield* W.Gate.execute({ id }), "A-done|ok|B-done")
          assert.strictEqual(W.count(`${id}/A`), 1)
          assert.strictEqual(W.count(`${id}/B`), 1)
        }),
      ),
    )

    it.live("a parked run survives a restart", () =>
      Effect.gen(function* () {
        const db = database()
        const id = unique("restart")
        const first = yield* process1(db)
        const executionId = yield* first.run(W.Gate.execute({ id }, { discard: true }))
        yield* first.run(until("parked", isSuspended(W.Gate, executionId)))
        yield* first.stop
        yield* withEngine(
          db,
          Effect.gen(function* () {
            yield* W.approve(id, "later")
            assert.strictEqual(yield* W.Gate.execute({ id }), "A-done|later|B-done")
            assert.strictEqual(W.count(`${id}/A`), 1, "A ran in the first process only")
          }),
        )
      }),
    )

    it.live(
      "a run stopped during an activity is recovered at start; completed activities do not run again",
      () =>
        Effect.gen(function* () {
          const db = database()
          const id = unique("inflight")
          const first = yield* process1(db)
          yield* first.run(W.Slow.execute({ id }, { discard: true }))
          yield* until(
            "B started",
            Effect.sync(() => W.count(`${id}/B-started`) === 1),
          )
          yield* first.stop
          yield* withEngine(
            db,
            Effect.gen(function* () {
              // Nobody calls execute: the engine recovers the running execution by itself.
              yield* until(
                "B started again",
                Effect.sync(() => W.count(`${id}/B-started`) === 2),
              )
              W.release(id)
              assert.strictEqual(yield* W.Slow.execute({ id }), "A-done|B-done")
              assert.strictEqual(W.count(`${id}/A`), 1, "A was journaled before the stop")
              assert.strictEqual(W.count(`${id}/B`), 1)
            }),
          )
        }),
    )

    it.effect("a durable clock fires when it is due (test clock)", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const id = unique("clock")
          const executionId = yield* W.Timed.execute({ id, millis: 60_000 }, { discard: true })
          yield* until("parked", isSuspended(W.Timed, executionId))
          assert.strictEqual(yield* inMemory, 0)
          yield* TestClock.adjust("59 seconds")
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
          assert.isTrue(yield* isSuspended(W.Timed, executionId), "not due yet")
          yield* TestClock.adjust("2 seconds")
          yield* until(
            "completed",
            Effect.map(W.Timed.poll(executionId), (o) => Option.isSome(o) && o.value._tag === "Complete"),
          )
          assert.strictEqual(yield* W.Timed.execute({ id, millis: 60_000 }), "timeout|after-done")
        }),
      ),
    )

    it.effect("a decision that beats the clock wins, and the clock is removed", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const id = unique("race")
          const executionId = yield* W.Timed.execute({ id, millis: 3_600_000 }, { discard: true })
          yield* until("parked", isSuspended(W.Timed, executionId))
          yield* W.decide(id, 3_600_000, "approved")
          assert.strictEqual(yield* W.Timed.execute({ id, millis: 3_600_000 }), "approved|after-done")
          const sql = yield* SqlClient.SqlClient
          const clocks = yield* sql`SELECT name FROM riposte_wf_clocks WHERE execution_id = ${executionId}`
          assert.lengthOf(clocks, 0)
          yield* TestClock.adjust("2 hours")
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
          assert.strictEqual(W.count(`${id}/after`), 1)
        }),
      ),
    )

    it.effect("a clock due while no process runs fires after the restart", () =>
      Effect.gen(function* () {
        const db = database()
        const id = unique("clock-restart")
        const first = yield* process1(db)
        const executionId = yield* first.run(W.Timed.execute({ id, millis: 10_000 }, { discard: true }))
        yield* first.run(until("parked", isSuspended(W.Timed, executionId)))
        yield* first.stop
        yield* TestClock.adjust("1 minute")
        yield* withEngine(
          db,
          Effect.gen(function* () {
            assert.strictEqual(yield* W.Timed.execute({ id, millis: 10_000 }), "timeout|after-done")
          }),
        )
      }),
    )

    it.live("suspend on failure: the run parks, resume runs the failed activity again", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const id = unique("fragile")
          W.failing.add(id)
          const executionId = yield* W.Fragile.execute({ id }, { discard: true })
          yield* until("suspended", isSuspended(W.Fragile, executionId))
          const polled = yield* W.Fragile.poll(executionId)
          assert.isTrue(
            Option.isSome(polled) && polled.value._tag === "Suspended" && polled.value.failed === true,
          )
          assert.strictEqual(W.count(`${id}/call`), 1)
          W.failing.delete(id)
          yield* W.Fragile.resume(executionId)
          assert.strictEqual(yield* W.Fragile.execute({ id }), "ok")
          assert.strictEqual(W.count(`${id}/call`), 2)
        }),
      ),
    )

    it.live("a parent waits for its parked child, both out of memory", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const id = unique("parent")
          const parentId = yield* W.Parent.execute({ id }, { discard: true })
          yield* until("parent parked", isSuspended(W.Parent, parentId))
          assert.strictEqual(yield* inMemory, 0)
          yield* W.approve(`${id}-child`, "child-ok")
          assert.strictEqual(yield* W.Parent.execute({ id }), "A-done|child-ok|B-done|parent-after-done")
          assert.strictEqual(W.count(`${id}-child/A`), 1)
          assert.strictEqual(W.count(`${id}/parent-after`), 1)
        }),
      ),
    )

    it.live("WithTransaction and CommitWith writes commit once, with the journal entry", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const id = unique("writer")
          assert.strictEqual(
            yield* W.Writer.execute({ id }),
            42,
            "the engine runs bodies with SupportsCommitWith",
          )
          assert.strictEqual(yield* W.Writer.execute({ id }), 42)
          assert.deepStrictEqual(yield* rows(id), ["hook:42", "tx"])
          assert.strictEqual(W.count(`${id}/call`), 1)
        }),
      ),
    )

    it.live("a completion inside a rolled-back transaction is not stored and wakes nothing", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const id = unique("rollback")
          const sql = yield* SqlClient.SqlClient
          const executionId = yield* W.Gate.execute({ id }, { discard: true })
          yield* until("parked", isSuspended(W.Gate, executionId))
          const failed = yield* sql
            .withTransaction(Effect.andThen(W.approve(id, "no"), Effect.fail("abort")))
            .pipe(Effect.flip)
          assert.strictEqual(failed, "abort")
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
          assert.isTrue(yield* isSuspended(W.Gate, executionId))
          assert.strictEqual(W.count(`${id}/B`), 0)
          yield* sql.withTransaction(W.approve(id, "yes"))
          assert.strictEqual(yield* W.Gate.execute({ id }), "A-done|yes|B-done")
        }),
      ),
    )

    it.live("200 parked runs hold nothing in memory; all complete once approved", () =>
      withEngine(
        database(),
        Effect.gen(function* () {
          const ids = Array.from({ length: 200 }, () => unique("many"))
          const executions = yield* Effect.forEach(ids, (id) => W.Gate.execute({ id }, { discard: true }), {
            concurrency: 32,
          })
          yield* until(
            "all parked",
            Effect.map(
              Effect.forEach(executions, (e) => isSuspended(W.Gate, e)),
              (all) => all.every(Boolean),
            ),
            60,
          )
          assert.strictEqual(yield* inMemory, 0)
          yield* Effect.forEach(ids, (id) => W.approve(id, "ok"), { concurrency: 32, discard: true })
          const results = yield* Effect.forEach(ids, (id) => W.Gate.execute({ id }), { concurrency: 32 })
          assert.isTrue(results.every((r) => r === "A-done|ok|B-done"))
          assert.isTrue(ids.every((id) => W.count(`${id}/A`) === 1 && W.count(`${id}/B`) === 1))
          yield* until(
            "all evicted",
            Effect.map(inMemory, (n) => n === 0),
          )
        }),
      ),
    )
  })

suite("SqlWorkflowEngine on SQLite", sqliteDatabase)
suite("SqlWorkflowEngine on SQLite with GroupCommit", groupCommitDatabase)

/**
 * Records every `node:sqlite` write that runs outside a transaction while installed: such a write
 * commits (and fsyncs) on its own instead of sharing a group commit.
 */
const autocommitWrites = Effect.acquireRelease(
  Effect.sync(() => {
    const seen: Array<string> = []
    const owners = new WeakMap<StatementSync, DatabaseSync>()
    const dbProto = DatabaseSync.prototype as unknown as Record<string, (...args: Array<unknown>) => unknown>
    const prepare = dbProto.prepare!
    dbProto.prepare = function (this: DatabaseSync, ...args: Array<unknown>) {
      const statement = prepare.apply(this, args) as StatementSync
      owners.set(statement, this)
      return statement
    }
    const statementProto = Object.getPrototypeOf(new DatabaseSync(":memory:").prepare("select 1")) as Record<
      string,
      (...args: Array<unknown>) => unknown
    >
    const originals = new Map<string, (...args: Array<unknown>) => unknown>()
    for (const method of ["run", "all", "get"]) {
      const original = statementProto[method]!
      originals.set(method, original)
      statementProto[method] = function (this: StatementSync, ...args: Array<unknown>) {
        const sql = this.sourceSQL.trimStart()
        const db = owners.get(this)
        if (db !== undefined && !db.isTransaction && /^(insert|update|delete)/i.test(sql)) seen.push(sql)
        return original.apply(this, args)
      }
    }
    const restore = () => {
      dbProto.prepare = prepare
      for (const [method, original] of originals) statementProto[method] = original
    }
    return { seen, restore }
  }),
  ({ restore }) => Effect.sync(restore),
)

describe("SqlWorkflowEngine on SQLite with GroupCommit: commits", () => {
  it.live("parking, waking and completing a run write only inside (group-committed) transactions", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const writes = yield* autocommitWrites
        yield* withEngine(
          groupCommitDatabase(),
          Effect.gen(function* () {
            const id = unique("commits")
            const executionId = yield* W.Gate.execute({ id }, { discard: true })
            yield* until("parked", isSuspended(W.Gate, executionId))
            yield* W.approve(id, "ok")
            assert.strictEqual(yield* W.Gate.execute({ id }), "A-done|ok|B-done")
          }),
        )
        assert.deepStrictEqual(writes.seen, [], "writes that committed on their own")
      }),
    ),
  )
})
describe.runIf(runPg)("Postgres", () => {
  suite("SqlWorkflowEngine on Postgres", pgDatabase)
})
