import { hash } from "node:crypto"
import { Redacted } from "effect"

/** JSON with sorted object keys: the same value always gives the same text. */
export const stableStringify = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {}
      for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k]
      return sorted
    }
    return typeof v === "bigint" ? v.toString() : v
  }) ?? "null"

/** One-shot `crypto.hash` (same digest as `createHash`, about half the cost for short inputs). */
export const sha256Hex = (text: string): string => hash("sha256", text, "hex")

/** The idempotency key of one connector call: hash(executionId, step path, item index). */
export const idempotencyKey = (executionId: string, stepPath: string, index: number | string): string =>
  sha256Hex(`${executionId}\u0000${stepPath}\u0000${index}`).slice(0, 32)

const secretKey = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key/i

/** Removes secret-looking fields and Redacted values before an input is written to a case. */
export const redactInput = (value: unknown, depth = 0): unknown => {
  if (depth > 8) return "[depth]"
  if (value === null || typeof value !== "object")
    return typeof value === "string" && value.length > 2048 ? `${value.slice(0, 2048)}…` : value
  if (Redacted.isRedacted(value)) return "<redacted>"
  if (Array.isArray(value)) return value.slice(0, 200).map((v) => redactInput(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value))
    out[k] = secretKey.test(k) ? "<redacted>" : redactInput(v, depth + 1)
  return out
}
