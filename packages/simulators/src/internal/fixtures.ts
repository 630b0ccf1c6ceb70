/** Recorded vendor responses under `fixtures/` (see fixtures/SOURCES.md and fixtures/README.md). */
import { readFileSync } from "node:fs"

const cache = new Map<string, unknown>()

/** A fresh deep copy of a fixture, so handlers can modify it. */
export const fixture = <A = unknown>(path: string): A => {
  if (!/^[a-z0-9-]+\/[A-Za-z0-9._-]+\.json$/.test(path) || path.includes("..")) {
    throw new RangeError(`not a fixture path: ${path}`)
  }
  let value = cache.get(path)
  if (value === undefined) {
    value = JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), "utf8"))
    cache.set(path, value)
  }
  return structuredClone(value) as A
}
