import { randomUUID } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { describe } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as CaseStoreSuite from "../src/CaseStoreSuite.ts"
import * as SqlCaseStore from "../src/SqlCaseStore.ts"
import { sqlSuite } from "./SqlSuite.ts"

const url = Redacted.make(process.env.RIPOSTE_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test")

/** Runs one statement on a short-lived connection. */
const admin = (statement: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(statement)
  }).pipe(Effect.provide(PgClient.layer({ url, maxConnections: 1, connectTimeout: "3 seconds" })))

/** A client whose search_path is a fresh schema, dropped when the layer is released. */
const client: Layer.Layer<SqlClient.SqlClient, unknown> = Layer.unwrap(
  Effect.gen(function* () {
    const schema = `riposte_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`
    yield* Effect.acquireRelease(admin(`create schema ${schema}`), () =>
      Effect.ignore(admin(`drop schema if exists ${schema} cascade`)),
    )
    return PgClient.layer({ url, startupParameters: { search_path: schema } })
  }),
)

const reachable = await Effect.runPromise(
  admin("select 1").pipe(
    Effect.as(undefined),
    Effect.timeout("5 seconds"),
    Effect.catch((e) => Effect.succeed(String(e))),
  ),
)
if (reachable !== undefined) {
  if (process.env.CI === "true") throw new Error(`Postgres unreachable in CI: ${reachable}`)
  console.warn(`Skipping Postgres case-store tests: Postgres unreachable (${reachable})`)
}

describe.skipIf(reachable !== undefined)("postgres", () => {
  CaseStoreSuite.suite(
    "postgres",
    Layer.mergeAll(
      SqlCaseStore.layer({ dialect: "postgres" }),
      Layer.effectDiscard(SqlCaseStore.migrate({ dialect: "postgres" })),
    ).pipe(Layer.provide(client)),
  )
  sqlSuite("postgres", "postgres", client)
})
