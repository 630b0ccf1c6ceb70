// Path-aware readers over untrusted JSON. Normalizers are plain synchronous functions; a missing
// required field throws `InvalidField`, which `Alerts` turns into `AlertError { reason: Invalid }`.

export type Path = ReadonlyArray<string | number>

export class InvalidField extends Error {
  readonly path: Path
  constructor(path: Path, message: string) {
    super(message)
    this.path = path
  }
}

export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const own = (o: object, k: string | number): unknown =>
  Object.hasOwn(o, k) ? (o as Record<string | number, unknown>)[k] : undefined

/** Value at `path`, or `undefined`. Only own properties are read (never the prototype chain). */
export const at = (value: unknown, ...path: Path): unknown => {
  let current = value
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = own(current, key)
  }
  return current
}

/** A non-empty trimmed string (numbers are stringified), or `undefined`. */
export const str = (value: unknown, ...path: Path): string | undefined => {
  const v = at(value, ...path)
  if (typeof v === "string") {
    const t = v.trim()
    return t === "" ? undefined : t
  }
  if (typeof v === "number" && Number.isFinite(v)) return String(v)
  return undefined
}

export const reqStr = (value: unknown, ...path: Path): string => {
  const v = str(value, ...path)
  if (v === undefined) throw new InvalidField(path, "expected a non-empty string")
  return v
}

/** First defined string among several paths. */
export const firstStr = (value: unknown, ...paths: ReadonlyArray<Path>): string | undefined => {
  for (const p of paths) {
    const v = str(value, ...p)
    if (v !== undefined) return v
  }
  return undefined
}

/** Array at `path`; a scalar becomes a one-element array, absent becomes []. */
export const arr = (value: unknown, ...path: Path): ReadonlyArray<unknown> => {
  const v = at(value, ...path)
  if (v === undefined || v === null) return []
  return Array.isArray(v) ? v : [v]
}

/** Strings of an array (or a single string) at `path`. */
export const strs = (value: unknown, ...path: Path): ReadonlyArray<string> =>
  arr(value, ...path).flatMap((v) => {
    const s = str(v)
    return s === undefined ? [] : [s]
  })

const fromEpoch = (n: number): Date => new Date(n > 1e12 ? n : n * 1000)

/** Parses ISO-8601 (any offset, any fraction length) or epoch seconds/millis into ISO UTC. */
export const parseTime = (raw: unknown): string | undefined => {
  let date: Date | undefined
  if (typeof raw === "number" && Number.isFinite(raw)) date = fromEpoch(raw)
  else if (typeof raw === "string") {
    const t = raw.trim()
    if (/^\d+(\.\d+)?$/.test(t)) date = fromEpoch(Number(t))
    else if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
      // Date.parse accepts at most millisecond precision on some engines: trim the fraction.
      date = new Date(t.replace(/(\.\d{3})\d+/, "$1"))
    }
  }
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined
}

/** Required time: the first path holding a parseable time. */
export const reqTime = (value: unknown, ...paths: ReadonlyArray<Path>): string => {
  for (const p of paths) {
    const t = parseTime(at(value, ...p))
    if (t !== undefined) return t
  }
  throw new InvalidField(paths[0] ?? [], "expected an ISO-8601 or epoch time")
}
