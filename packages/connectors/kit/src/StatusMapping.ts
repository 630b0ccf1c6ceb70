/**
 * How HTTP answers and schema failures become {@link ConnectorError} reasons. Every connector
 * maps errors the same way, so playbooks can branch on `reason._tag` whatever the vendor.
 *
 * @example
 * ```ts
 * import { StatusMapping } from "@riposte/connector-kit"
 *
 * StatusMapping.fromStatus(429, { "retry-after": "2" }, Date.now()) // RateLimited { retryAfterMillis: 2000 }
 * ```
 * @since 0.1.0
 */
import {
  Conflict,
  type ConnectorErrorReason,
  Forbidden,
  InvalidResponse,
  NotFound,
  RateLimited,
  ServerError,
  Unauthorized,
} from "@riposte/core"
import { SchemaIssue } from "effect"

/** Upper bound for a vendor-supplied Retry-After: a hostile header must not park a run for years. */
export const maxRetryAfterMillis = 24 * 60 * 60 * 1000

/**
 * Parses a Retry-After header (delta-seconds or HTTP-date) into milliseconds from `nowMillis`.
 * Returns `undefined` when absent or unparsable; clamps to [0, {@link maxRetryAfterMillis}].
 *
 * @example
 * ```ts
 * parseRetryAfter("120", 0) // 120000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:27:00 GMT")) // 60000
 * ```
 */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (trimmed === "") return undefined
  let millis: number
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    millis = Math.round(Number(trimmed) * 1000)
  } else {
    // An HTTP-date names its day and month; without this `Date.parse("-5")` reads a year.
    if (!/^[A-Za-z]{3},? /.test(trimmed)) return undefined
    const date = Date.parse(trimmed)
    if (Number.isNaN(date)) return undefined
    millis = date - nowMillis
  }
  return Math.min(Math.max(millis, 0), maxRetryAfterMillis)
}

/** Reads one header from a Node-style header record (lower-case names, string or string[]). */
export const header = (
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  name: string,
): string | undefined => {
  const value = headers[name.toLowerCase()]
  return typeof value === "string" ? value : value?.[0]
}

/**
 * Maps a non-2xx status to a reason, or `undefined` for a success status (2xx).
 * Unknown 4xx statuses become `InvalidResponse` at `$status` (not retryable): the request itself
 * was wrong, and retrying will not fix it.
 *
 * @example
 * ```ts
 * fromStatus(404, {}, Date.now())?._tag // "NotFound"
 * ```
 */
export const fromStatus = (
  status: number,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  nowMillis: number,
): ConnectorErrorReason | undefined => {
  if (status >= 200 && status < 300) return undefined
  switch (status) {
    case 401:
      return new Unauthorized()
    case 403:
      return new Forbidden()
    case 404:
      return new NotFound()
    case 409:
      return new Conflict()
    case 429: {
      const retryAfterMillis = parseRetryAfter(header(headers, "retry-after"), nowMillis)
      return retryAfterMillis === undefined ? new RateLimited({}) : new RateLimited({ retryAfterMillis })
    }
  }
  if (status >= 500 && status < 600) return new ServerError({ status })
  return new InvalidResponse({ path: "$status", detail: `unexpected HTTP status ${status}` })
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const renderPath = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined): string => {
  let out = "$"
  for (const segment of path ?? []) {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment
    out += typeof key === "number" ? `[${key}]` : `.${String(key)}`
  }
  return out
}

/**
 * The path and message of the first problem in a schema issue, e.g. `$.data.attributes.size`.
 * Messages never include the offending input value (it may be a secret or an attacker's payload).
 *
 * @example
 * ```ts
 * const { path, detail } = issueSummary(issue)
 * ```
 */
export const issueSummary = (
  issue: SchemaIssue.Issue,
): { readonly path: string; readonly detail: string } => {
  const first = formatter(issue).issues[0]
  if (first === undefined) return { path: "$", detail: "invalid value" }
  const detail = first.message.replace(/, got .*$/s, "").slice(0, 200)
  return { path: renderPath(first.path), detail }
}

/** Builds an `InvalidResponse` reason from a schema issue. */
export const invalidResponse = (issue: SchemaIssue.Issue): InvalidResponse =>
  new InvalidResponse(issueSummary(issue))
