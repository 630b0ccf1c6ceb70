/**
 * An Effect `SqlClient` over Node's built-in `node:sqlite` (`DatabaseSync`).
 *
 * One connection per client, serialised by a semaphore; WAL journal,
 * `synchronous = FULL`, a busy timeout and foreign keys are always set, so the
 * database survives a crash and can be shared with other processes.
 *
 * @since 0.1.0
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { DatabaseSync, type StatementSync } from "node:sqlite"
import { Cache, Context, Duration, Effect, Layer, type Scope, Semaphore, Stream } from "effect"
import { Reactivity } from "effect/reactivity"
import { SqlClient, type SqlConnection, SqlError, Statement } from "effect/sql"

/**
 * A `SqlClient` backed by `node:sqlite`, carrying the configuration it was
 * opened with.
 *
 * @since 0.1.0
 */
export interface SqliteClient extends SqlClient.SqlClient {
  readonly config: SqliteClientConfig
  /** Not supported by SQLite. */
  readonly updateValues: never
}

/**
 * Service tag for the `node:sqlite` client (the same value is also provided as
 * `SqlClient.SqlClient`).
 *
 * @since 0.1.0
 */
export const SqliteClient: Context.Service<SqliteClient, SqliteClient> = Context.Service<SqliteClient>(
  "@riposte/sql-sqlite/SqliteClient",
)

/**
 * Options of {@link make} and {@link layer}.
 *
 * @since 0.1.0
 */
export interface SqliteClientConfig {
  /** Database file; `":memory:"` for a private in-memory database. Parent directories are created. */
  readonly filename: string
  /** Open read-only. Default `false`. */
  readonly readonly?: boolean | undefined
  /**
   * How long a statement waits for another process's lock before failing with
   * `SQLITE_BUSY`. Default 5 seconds.
   */
  readonly busyTimeout?: Duration.Input | undefined
  /** Prepared statements kept per connection. Default 200. */
  readonly prepareCacheSize?: number | undefined
  /** How long an unused prepared statement stays cached. Default 10 minutes. */
  readonly prepareCacheTTL?: Duration.Input | undefined
  /** Extra attributes put on every query span. */
  readonly spanAttributes?: Record<string, unknown> | undefined
  readonly transformResultNames?: ((str: string) => string) | undefined
  readonly transformQueryNames?: ((str: string) => string) | undefined
}

/** Reported as `SqlClient.driver`; the dialect (from the compiler) is `"sqlite"`. */
const DRIVER = "sqlite-node"

/**
 * `classifySqliteError` reads `errno`; node:sqlite puts the SQLite result code
 * in `errcode`, so copy it over.
 */
const withErrno = (cause: unknown): unknown => {
  if (typeof cause !== "object" || cause === null || !("errcode" in cause) || "errno" in cause) {
    return cause
  }
  const errcode = (cause as { readonly errcode: unknown }).errcode
  return typeof errcode === "number" ? Object.assign(cause, { errno: errcode }) : cause
}

const sqlError = (cause: unknown, message: string, operation: string): SqlError.SqlError =>
  new SqlError.SqlError({ reason: SqlError.classifySqliteError(withErrno(cause), { message, operation }) })

type Params = Array<never>

const openDatabase = (options: SqliteClientConfig): Effect.Effect<DatabaseSync, SqlError.SqlError> =>
  Effect.try({
    try: () => {
      if (options.filename !== ":memory:" && options.readonly !== true) {
        mkdirSync(dirname(options.filename), { recursive: true })
      }
      const db = new DatabaseSync(options.filename, { readOnly: options.readonly ?? false })
      try {
        const busy = Math.max(0, Math.round(Duration.toMillis(options.busyTimeout ?? Duration.seconds(5))))
        // busy_timeout first: switching to WAL itself needs a lock.
        db.exec(`PRAGMA busy_timeout = ${busy}`)
        if (options.readonly !== true) db.exec("PRAGMA journal_mode = WAL")
        db.exec("PRAGMA synchronous = FULL")
        db.exec("PRAGMA foreign_keys = ON")
        return db
      } catch (error) {
        db.close()
        throw error
      }
    },
    catch: (cause) => sqlError(cause, `Failed to open SQLite database ${options.filename}`, "connect"),
  })

const makeConnection = Effect.fnUntraced(function* (db: DatabaseSync, options: SqliteClientConfig) {
  const cache = yield* Cache.make({
    capacity: options.prepareCacheSize ?? 200,
    timeToLive: options.prepareCacheTTL ?? Duration.minutes(10),
    lookup: (sql: string) =>
      Effect.try({
        try: () => db.prepare(sql),
        catch: (cause) => sqlError(cause, "Failed to prepare statement", "prepare"),
      }),
  })

  const prepareOnce = (sql: string) =>
    Effect.try({
      try: () => db.prepare(sql),
      catch: (cause) => sqlError(cause, "Failed to prepare statement", "prepare"),
    })

  const run = (statement: StatementSync, params: ReadonlyArray<unknown>, mode: "rows" | "raw" | "values") =>
    Effect.withFiber<any, SqlError.SqlError>((fiber) => {
      const safeIntegers = Context.get(fiber.context, SqlClient.SafeIntegers)
      return Effect.try({
        try: () => {
          statement.setReadBigInts(safeIntegers)
          statement.setReturnArrays(mode === "values")
          if (statement.columns().length > 0) return statement.all(...(params as Params))
          const result = statement.run(...(params as Params))
          return mode === "raw" ? { changes: result.changes, lastInsertRowid: result.lastInsertRowid } : []
        },
        catch: (cause) => sqlError(cause, "Failed to execute statement", "execute"),
      })
    })

  const cached = (sql: string, params: ReadonlyArray<unknown>, mode: "rows" | "raw" | "values") =>
    Effect.flatMap(Cache.get(cache, sql), (statement) => run(statement, params, mode))

  const transform = <A>(
    effect: Effect.Effect<ReadonlyArray<A>, SqlError.SqlError>,
    transformRows: (<B extends object>(rows: ReadonlyArray<B>) => ReadonlyArray<B>) | undefined,
  ) => (transformRows ? Effect.map(effect, (rows) => transformRows(rows as ReadonlyArray<any>)) : effect)

  const connection: SqlConnection.Connection = {
    execute: (sql, params, transformRows) => transform(cached(sql, params, "rows"), transformRows),
    executeRaw: (sql, params) => cached(sql, params, "raw"),
    executeValues: (sql, params) => cached(sql, params, "values"),
    executeValuesUnprepared: (sql, params) =>
      Effect.flatMap(prepareOnce(sql), (s) => run(s, params, "values")),
    executeUnprepared: (sql, params, transformRows) =>
      transform(
        Effect.flatMap(prepareOnce(sql), (s) => run(s, params, "rows")),
        transformRows,
      ),
    // SQLite reads are synchronous and local: the rows are read in one go,
    // then emitted as a stream.
    executeStream: (sql, params, transformRows) =>
      Stream.fromIterableEffect(transform(cached(sql, params, "rows"), transformRows)),
  }
  return connection
})

/**
 * Opens the database and builds the client. The connection closes with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqliteClient } from "@riposte/sql-sqlite"
 *
 * const program = Effect.gen(function* () {
 *   const sql = yield* SqliteClient.make({ filename: "./data/app.db" })
 *   return yield* sql`SELECT 1 AS one`
 * })
 * ```
 *
 * @since 0.1.0
 */
export const make = (
  options: SqliteClientConfig,
): Effect.Effect<SqliteClient, SqlError.SqlError, Reactivity.Reactivity | Scope.Scope> =>
  Effect.gen(function* () {
    const db = yield* Effect.acquireRelease(openDatabase(options), (db) =>
      Effect.sync(() => {
        if (db.isOpen) db.close()
      }),
    )
    const connection = yield* makeConnection(db, options)
    const semaphore = yield* Semaphore.make(1)
    const acquirers = SqlClient.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore,
      isTransaction: () => db.isTransaction,
    })
    const client = yield* SqlClient.make({
      acquirer: acquirers.acquirer,
      borrower: acquirers.borrower,
      transactionAcquirer: acquirers.transactionAcquirer,
      onCommitFailure: acquirers.onCommitFailure,
      isTransaction: acquirers.isTransaction,
      compiler: Statement.makeCompilerSqlite(options.transformQueryNames),
      driver: DRIVER,
      prepareTransactionControls: true,
      // IMMEDIATE takes the write lock up front (waiting up to busy_timeout),
      // so a transaction never fails later when upgrading a read to a write
      // while another process writes.
      beginTransaction: "BEGIN IMMEDIATE",
      spanAttributes: [
        ...(options.spanAttributes ? Object.entries(options.spanAttributes) : []),
        ["db.system.name", "sqlite"],
      ],
      transformRows: options.transformResultNames
        ? Statement.defaultTransforms(options.transformResultNames).array
        : undefined,
    })
    return Object.assign(client, { config: options }) as SqliteClient
  })

/**
 * A layer providing both {@link SqliteClient} and `SqlClient.SqlClient`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql"
 * import { SqliteClient } from "@riposte/sql-sqlite"
 *
 * const program = Effect.gen(function* () {
 *   const sql = yield* SqlClient.SqlClient
 *   yield* sql`CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)`
 * }).pipe(Effect.provide(SqliteClient.layer({ filename: "./data/app.db" })))
 * ```
 *
 * @since 0.1.0
 */
export const layer = (
  config: SqliteClientConfig,
): Layer.Layer<SqliteClient | SqlClient.SqlClient, SqlError.SqlError> =>
  Layer.effectContext(
    Effect.map(make(config), (client) =>
      Context.make(SqliteClient, client).pipe(Context.add(SqlClient.SqlClient, client)),
    ),
  ).pipe(Layer.provide(Reactivity.layer))
