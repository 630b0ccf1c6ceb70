/**
 * Runs kysely-compiled queries through an Effect `SqlClient`, so they join the caller's
 * connection and transaction (for example the workflow journal's).
 */
import type { Effect } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import type { CompiledQuery } from "kysely"

export interface Compilable<R> {
  readonly compile: () => CompiledQuery<R>
}

export type Exec = <R>(
  query: Compilable<R> | CompiledQuery<R>,
) => Effect.Effect<ReadonlyArray<R>, SqlError.SqlError>

export const make =
  (sql: SqlClient.SqlClient): Exec =>
  <R>(query: Compilable<R> | CompiledQuery<R>) => {
    const compiled = "compile" in query ? query.compile() : query
    return sql.unsafe<R & object>(compiled.sql, compiled.parameters) as unknown as Effect.Effect<
      ReadonlyArray<R>,
      SqlError.SqlError
    >
  }
