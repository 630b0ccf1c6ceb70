import { randomUUID } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { Engine } from "@riposte/core"
import { SqliteClient } from "@riposte/sql-sqlite"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"

export const pgUrl = Redacted.make(process.env.RIPOSTE_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test")

/** Runs one statement on a short-lived connection. */
export const admin = (statement: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(statement)
  }).pipe(Effect.provide(PgClient.layer({ url: pgUrl, maxConnections: 1, connectTimeout: "3 seconds" })))

/** A fresh schema, dropped when the scope closes. */
export const freshSchema = Effect.gen(function* () {
  const schema = `riposte_guard_${randomUUID().replaceAll("-", "").slice(0, 16)}`
  yield* Effect.acquireRelease(admin(`create schema ${schema}`), () =>
    Effect.ignore(admin(`drop schema if exists ${schema} cascade`)),
  )
  return schema
})

/** A Postgres client whose search_path is a fresh schema, dropped on release. */
export const pgClient: Layer.Layer<SqlClient.SqlClient, unknown> = Layer.unwrap(
  Effect.map(freshSchema, (schema) =>
    PgClient.layer({ url: pgUrl, startupParameters: { search_path: schema } }),
  ),
)

export const sqliteClient: Layer.Layer<SqlClient.SqlClient, unknown> = SqliteClient.layer({
  filename: ":memory:",
})

/** `undefined` when Postgres answers; otherwise why not (fatal in CI). */
export const pgUnavailable: string | undefined = await Effect.runPromise(
  admin("select 1").pipe(
    Effect.as(undefined),
    Effect.timeout("5 seconds"),
    Effect.catch((e) => Effect.succeed(String(e))),
  ),
)

if (pgUnavailable !== undefined) {
  if (process.env.CI === "true") throw new Error(`Postgres unreachable in CI: ${pgUnavailable}`)
  console.warn(`Skipping Postgres guardrails tests: Postgres unreachable (${pgUnavailable})`)
}

/** Lets forked runs progress until `f` yields a value (no clock time passes). */
export const until = <A>(
  f: Effect.Effect<A | undefined, any, any>,
  tries = 5000,
): Effect.Effect<A, any, any> =>
  Effect.gen(function* () {
    for (let i = 0; i < tries; i++) {
      const a = yield* f
      if (a !== undefined) return a
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
    }
    return yield* Effect.die(new Error("condition never held"))
  })

export const pendingApproval = Effect.gen(function* () {
  const engine = yield* Engine.Engine
  return yield* until(engine.pendingApprovals().pipe(Effect.map((p) => p[0])))
})
