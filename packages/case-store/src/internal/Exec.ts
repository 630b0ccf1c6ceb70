/**
 * Runs kysely-compiled queries through an Effect `SqlClient`, so they join the caller's
 * connection and transaction (for example the workflow journal's).
 *
 * Fixed-shape queries are compiled once ({@link prepare}): building and compiling a kysely query
 * costs more CPU than SQLite takes to run it, so the hot paths reuse the SQL text and only bind
 * new parameters.
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

/**
 * A query compiled once: its SQL text, and how to lay out the parameters of one execution. `R`
 * is the row type it returns; `P` what {@link Prepared.bind} takes (one row of values for
 * {@link prepare}, an array of rows for {@link prepareRows}).
 */
export interface Prepared<P, R> {
  readonly sql: string
  /** The parameters of one execution, in the order the SQL text expects them. */
  readonly bind: (values: P) => ReadonlyArray<unknown>
  /** Phantom: the row type. */
  readonly _R?: R
}

/**
 * Stands in for a value while the query is compiled. Slots are objects, never `undefined`, so
 * kysely cannot drop them from an insert, and the parameter order is read from the compiled
 * query instead of assumed from the builder calls.
 */
class Slot {
  readonly row: number
  readonly key: string
  constructor(row: number, key: string) {
    this.row = row
    this.key = key
  }
}

const compileWith = <R>(
  slots: ReadonlyArray<ReadonlyArray<Slot>>,
  query: Compilable<R>,
): {
  readonly sql: string
  readonly rows: Int32Array
  readonly keys: Array<string>
  readonly constants: Array<unknown>
} => {
  const compiled = query.compile()
  const n = compiled.parameters.length
  const rows = new Int32Array(n)
  const keys: Array<string> = new Array(n)
  const constants: Array<unknown> = new Array(n)
  const used = new Set<Slot>()
  compiled.parameters.forEach((p, i) => {
    if (p instanceof Slot) {
      used.add(p)
      rows[i] = p.row
      keys[i] = p.key
    } else {
      // A value of the query itself (a `limit 1`, a status compared in a `where`).
      rows[i] = -1
      keys[i] = ""
      constants[i] = p
    }
  })
  for (const row of slots) {
    for (const slot of row) {
      if (!used.has(slot)) throw new Error(`prepared query does not bind '${slot.key}': ${compiled.sql}`)
    }
  }
  return { sql: compiled.sql, rows, keys, constants }
}

/** `undefined` is bound as SQL NULL (kysely would have left the column out: NULL). */
const value = (v: unknown) => (v === undefined ? null : v)

/**
 * Compiles `build(slots)` once; `bind(values)` returns its parameters for one execution. Every
 * key of `keys` must end up as a parameter (checked here), and may appear several times.
 *
 * @example
 * ```ts
 * const byId = prepare(["id"], (p: { id: string }) => db.selectFrom("riposte_cases").selectAll().where("id", "=", p.id))
 * sql.unsafe(byId.sql, byId.bind({ id }))
 * ```
 */
export const prepare = <P extends object, R>(
  keys: ReadonlyArray<keyof P & string>,
  build: (slots: P) => Compilable<R>,
): Prepared<P, R> => {
  const row = keys.map((k) => new Slot(0, k))
  const slots = Object.fromEntries(row.map((s) => [s.key, s])) as P
  const { sql, rows, keys: order, constants } = compileWith([row], build(slots))
  return {
    sql,
    bind: (values) => {
      const out: Array<unknown> = new Array(order.length)
      for (let i = 0; i < order.length; i++) {
        out[i] =
          rows[i] === -1 ? constants[i] : value((values as Record<string, unknown>)[order[i] as string])
      }
      return out
    },
  }
}

/**
 * Like {@link prepare}, for a query over `count` rows of values (a multi-row insert, an `in`
 * list): `bind` takes exactly `count` rows.
 */
export const prepareRows = <P extends object, R>(
  count: number,
  keys: ReadonlyArray<keyof P & string>,
  build: (slots: ReadonlyArray<P>) => Compilable<R>,
): Prepared<ReadonlyArray<P>, R> => {
  const slotRows = Array.from({ length: count }, (_, i) => keys.map((k) => new Slot(i, k)))
  const slots = slotRows.map((row) => Object.fromEntries(row.map((s) => [s.key, s])) as P)
  const { sql, rows, keys: order, constants } = compileWith(slotRows, build(slots))
  return {
    sql,
    bind: (values) => {
      if (values.length !== count) throw new Error(`prepared for ${count} rows, got ${values.length}`)
      const out: Array<unknown> = new Array(order.length)
      for (let i = 0; i < order.length; i++) {
        const r = rows[i] as number
        out[i] = r === -1 ? constants[i] : value((values[r] as Record<string, unknown>)[order[i] as string])
      }
      return out
    },
  }
}
