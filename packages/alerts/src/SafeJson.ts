/**
 * JSON parsing for untrusted input: byte, depth and key-count limits checked BEFORE
 * `JSON.parse` runs, and `__proto__` / `constructor` / `prototype` keys rejected (or dropped)
 * so a parsed document can never pollute prototypes when later merged or spread.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"

export const Reason = Schema.Literals(["TooLarge", "TooDeep", "TooManyKeys", "ForbiddenKey", "Syntax"])
export type Reason = typeof Reason.Type

export class SafeJsonError extends Schema.TaggedError<SafeJsonError>()("SafeJsonError", {
  reason: Reason,
  detail: Schema.String,
}) {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

export interface Options {
  /** Maximum UTF-8 size of the text. Default 1 MiB. */
  readonly maxBytes?: number
  /** Maximum nesting of objects/arrays. Default 64. */
  readonly maxDepth?: number
  /** Maximum number of object keys in the whole document. Default 10 000. */
  readonly maxKeys?: number
  /** What to do with `__proto__`, `constructor`, `prototype` keys. Default "reject". */
  readonly forbiddenKeys?: "reject" | "drop"
}

export const defaults = { maxBytes: 1024 * 1024, maxDepth: 64, maxKeys: 10_000 } as const

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"])

// One linear pass over the text outside strings: nesting depth and key count (each key is
// followed by exactly one ':' outside strings). Runs before JSON.parse, so a hostile document
// cannot make the parser recurse deeply or allocate a huge object first.
const scan = (text: string, maxDepth: number, maxKeys: number): SafeJsonError | undefined => {
  let depth = 0
  let keys = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
      continue
    }
    if (c === 34) inString = true
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth)
        return new SafeJsonError({ reason: "TooDeep", detail: `nesting exceeds ${maxDepth}` })
    } else if (c === 125 || c === 93) depth--
    else if (c === 58 /* : */ && ++keys > maxKeys) {
      return new SafeJsonError({ reason: "TooManyKeys", detail: `more than ${maxKeys} keys` })
    }
  }
  return undefined
}

class Forbidden extends Error {}

/**
 * Parses untrusted JSON.
 *
 * @example
 * ```ts
 * const json = yield* SafeJson.parse(body, { maxBytes: 256 * 1024, maxDepth: 32, maxKeys: 5000 })
 * ```
 */
export const parse = (text: string, options: Options = {}): Effect.Effect<unknown, SafeJsonError> =>
  Effect.suspend(() => {
    const maxBytes = options.maxBytes ?? defaults.maxBytes
    // A UTF-16 code unit encodes to at most 3 UTF-8 bytes: skip the exact count when clearly small.
    const bytes = text.length * 3 <= maxBytes ? text.length : Buffer.byteLength(text, "utf8")
    if (bytes > maxBytes) {
      return Effect.fail(
        new SafeJsonError({ reason: "TooLarge", detail: `${bytes} bytes exceeds ${maxBytes}` }),
      )
    }
    const limit = scan(text, options.maxDepth ?? defaults.maxDepth, options.maxKeys ?? defaults.maxKeys)
    if (limit !== undefined) return Effect.fail(limit)
    const drop = options.forbiddenKeys === "drop"
    try {
      return Effect.succeed(
        JSON.parse(text, (key, value) => {
          if (FORBIDDEN.has(key)) {
            if (drop) return undefined
            throw new Forbidden(key)
          }
          return value
        }),
      )
    } catch (e) {
      if (e instanceof Forbidden) {
        return Effect.fail(
          new SafeJsonError({ reason: "ForbiddenKey", detail: `forbidden key "${e.message}"` }),
        )
      }
      return Effect.fail(
        new SafeJsonError({ reason: "Syntax", detail: e instanceof Error ? e.message : String(e) }),
      )
    }
  })
