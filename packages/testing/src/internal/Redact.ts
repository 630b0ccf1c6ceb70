/**
 * Redaction of what a fixture stores: `Redacted` values, secret-looking keys and configured
 * field paths. Applied identically to recorded and replayed calls so they compare equal.
 */
import { Redacted } from "effect"

export const REDACTED = "<redacted>"

const secretKey = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key/i

const MAX_DEPTH = 64

/**
 * One configured path: `[scope:]root.seg.seg` where root is `trigger`, `input` or `output`,
 * scope is `connector.action` (either part may be `*`) and a segment is a key, an index or `*`.
 */
export interface RedactPath {
  readonly connector: string
  readonly action: string
  readonly root: "trigger" | "input" | "output"
  readonly segments: ReadonlyArray<string>
  /** The replacement value (default `"<redacted>"`). */
  readonly with: unknown
}

/**
 * A configured redaction: a path, or a path and the value that replaces the field (use a
 * valid stand-in for trigger fields, which replay must decode with the trigger schema).
 */
export type RedactRule = string | { readonly path: string; readonly with: unknown }

export const parseRule = (rule: RedactRule): RedactPath =>
  typeof rule === "string" ? parsePath(rule, REDACTED) : parsePath(rule.path, scrub(rule.with))

const parsePath = (text: string, replacement: unknown): RedactPath => {
  const colon = text.indexOf(":")
  const scope = colon === -1 ? "*.*" : text.slice(0, colon)
  const [connector = "*", action = "*"] = scope.split(".")
  const [root, ...segments] = (colon === -1 ? text : text.slice(colon + 1)).split(".")
  if (root !== "trigger" && root !== "input" && root !== "output")
    throw new TypeError(`redact path '${text}' must start with trigger., input. or output.`)
  if (segments.length === 0 || segments.some((s) => s === ""))
    throw new TypeError(`redact path '${text}' needs at least one field`)
  return { connector, action, root, segments, with: replacement }
}

const applyPath = (value: unknown, segments: ReadonlyArray<string>, replacement: unknown): unknown => {
  if (segments.length === 0) return replacement
  if (value === null || typeof value !== "object") return value
  const [head, ...rest] = segments as [string, ...Array<string>]
  if (Array.isArray(value))
    return value.map((v, i) => (head === "*" || head === String(i) ? applyPath(v, rest, replacement) : v))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value))
    out[k] = head === "*" || head === k ? applyPath(v, rest, replacement) : v
  return out
}

/** Replaces Redacted values and secret-looking keys; makes the value plain JSON. */
export const scrub = (value: unknown, depth = 0): unknown => {
  if (depth > MAX_DEPTH) throw new TypeError(`value nested deeper than ${MAX_DEPTH} levels`)
  if (Redacted.isRedacted(value)) return REDACTED
  if (value === undefined) return null
  if (typeof value === "bigint") return value.toString()
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value)
  if (value === null || typeof value !== "object") return value
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "function" || v === undefined) continue
    out[k] = secretKey.test(k) ? REDACTED : scrub(v, depth + 1)
  }
  return out
}

const matches = (p: string, actual: string) => p === "*" || p === actual

/** Scrubs `value` and applies the configured paths of `root` for this call. */
export const redact = (
  value: unknown,
  paths: ReadonlyArray<RedactPath>,
  root: RedactPath["root"],
  call?: { readonly connector: string; readonly action: string },
): unknown => {
  let out = scrub(value)
  for (const p of paths) {
    if (p.root !== root) continue
    if (call !== undefined && !(matches(p.connector, call.connector) && matches(p.action, call.action)))
      continue
    out = applyPath(out, p.segments, p.with)
  }
  return out
}
