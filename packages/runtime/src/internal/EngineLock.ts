// A lock file that lets only one live process run a single-runner engine on a
// database file. node:fs has no flock, so the file holds the owner's pid and a
// lock whose pid is dead (the owner was SIGKILLed) is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import { Effect, type Scope } from "effect"
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
