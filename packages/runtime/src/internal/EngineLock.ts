// A lock file that lets only one live process run a single-runner engine on a
// database file. node:fs has no flock, so the file holds the owner's pid and a
// lock whose pid is dead (the owner was SIGKILLed) is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import { Effect, type Scope } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import { EngineInUse } from "../DurableError.ts"

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const readPid = (path: string): number | undefined => {
  try {
    const pid = Number(readFileSync(path, "utf8").trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** An empty lock file is being written right now, unless its writer died long ago. */
const isFresh = (path: string): boolean => {
  try {
    return Date.now() - statSync(path).mtimeMs < 5_000
  } catch {
    return false
  }
}

const tryAcquire = (path: string): EngineInUse | undefined => {
  mkdirSync(dirname(path), { recursive: true })
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx")
      try {
        writeSync(fd, `${process.pid}\n`)
      } finally {
        closeSync(fd)
      }
      return undefined
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    }
    const owner = readPid(path)
    if (owner === undefined ? isFresh(path) : owner === process.pid || isAlive(owner)) {
      return new EngineInUse({ path, pid: owner ?? 0 })
    }
    try {
      unlinkSync(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
    }
  }
  return new EngineInUse({ path, pid: readPid(path) ?? 0 })
}

/** Holds the lock for the current scope. I/O failures other than a held lock are defects. */
export const acquire = (path: string): Effect.Effect<void, EngineInUse, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const inUse = tryAcquire(path)
      return inUse === undefined ? Effect.void : Effect.fail(inUse)
    }),
    () =>
      Effect.sync(() => {
        if (readPid(path) === process.pid) unlinkSync(path)
      }),
  )

/** Advisory lock keys of the single-process engine on a Postgres database ('RIPS', 1). */
const PG_LOCK = [0x52495053, 1] as const

/**
 * The Postgres counterpart of the lock file: a session-level advisory lock held on a connection
 * reserved for the engine's lifetime. A process that dies loses its session, and the lock with
 * it. A second engine on the same database fails with `EngineInUse` (the holder's backend pid).
 */
export const acquirePostgres = (
  sql: SqlClient.SqlClient,
): Effect.Effect<void, EngineInUse | SqlError.SqlError, Scope.Scope> =>
  Effect.gen(function* () {
    const connection = yield* sql.reserve
    const [row] = yield* connection.execute(
      "SELECT pg_try_advisory_lock($1, $2) AS ok",
      [PG_LOCK[0], PG_LOCK[1]],
      undefined,
    )
    if ((row as { ok?: unknown } | undefined)?.ok === true) return
    const holder = yield* sql<{ pid: number }>`
      SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND classid = ${PG_LOCK[0]} AND objid = ${PG_LOCK[1]} AND granted`
    return yield* new EngineInUse({
      path: `pg_advisory_lock(${PG_LOCK[0]}, ${PG_LOCK[1]}) on the engine's database`,
      pid: Number(holder[0]?.pid ?? 0),
    })
  })
