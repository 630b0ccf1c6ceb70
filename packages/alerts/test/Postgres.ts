// Postgres on 127.0.0.1:5432/test for the SQL inbox tests; skipped with a printed reason when
// unreachable, except in CI where it is required.
import { PgClient } from "@effect/sql-pg"
import { Cause, Duration, Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"

export const PG_URL = "postgres://127.0.0.1:5432/test"

export const Pg = PgClient.layer({
  url: Redacted.make(PG_URL),
  username: process.env.PGUSER ?? "postgres",
  connectTimeout: Duration.seconds(3),
})

const probe = await Effect.runPromise(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`SELECT 1`
    return undefined
  }).pipe(
    Effect.provide(Pg),
    Effect.timeout(Duration.seconds(5)),
    Effect.catchCause((cause) => Effect.succeed(Cause.pretty(cause).split("\n")[0] ?? "unreachable")),
  ),
)

export const reachable = probe === undefined
if (!reachable) {
  if (process.env.CI === "true")
    throw new Error(`Postgres is required in CI: ${PG_URL} is unreachable (${probe})`)
  console.warn(
    `[alerts] skipping the Postgres-backed tests (SQL inbox, SQL webhook, PullTrigger): ${PG_URL} is unreachable (${probe})`,
  )
}
