/**
 * STIX 2.1 bundle → blockable indicators with their expiry. Pure: the reference time (when the
 * bundle was received) is an argument, never the wall clock.
 */
import { extract, type IndicatorType, PatternError, parse } from "./StixPattern.ts"

export interface Candidate {
  readonly type: IndicatorType
  /** Normalized: lower-case domains, e-mails and hashes. */
  readonly value: string
  /** The STIX indicator ids that assert it. */
  readonly sources: ReadonlyArray<string>
  /** Seconds until `valid_until` from the reference time; null when no indicator gives one. */
  readonly ttlSeconds: number | null
}

export interface Rejected {
  readonly indicator: string
  readonly reason: string
}

export const limits = { maxObjects: 50_000 } as const

const octet = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
const ipv4 = new RegExp(`^${octet}(?:\\.${octet}){3}(?:/(?:3[0-2]|[12]?\\d))?$`)
const domain = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/
const validators: Record<IndicatorType, (v: string) => boolean> = {
  ipv4: (v) => ipv4.test(v),
  ipv6: (v) => /^[0-9a-f:]{2,39}(?:\/\d{1,3})?$/.test(v) && v.includes(":"),
  domain: (v) => domain.test(v),
  url: (v) => /^https?:\/\/[^\s/$.?#][^\s]{0,2040}$/i.test(v),
  email: (v) => /^[^@\s]{1,64}@[^@\s]{1,255}$/.test(v),
  md5: (v) => /^[0-9a-f]{32}$/.test(v),
  sha1: (v) => /^[0-9a-f]{40}$/.test(v),
  sha256: (v) => /^[0-9a-f]{64}$/.test(v),
}
const normalize = (type: IndicatorType, value: string) =>
  type === "url" ? value.trim() : value.trim().toLowerCase()

/**
 * Reads every `indicator` of a bundle (STIX 2.1, and 2.0 bundles whose objects carry no
 * `spec_version`): parses its pattern, keeps the supported indicators, computes the TTL from
 * `valid_until` relative to `referenceTime`, and returns everything it did not keep with a reason
 * (nothing is silently dropped). Duplicates across indicators merge; the longest TTL wins.
 *
 * @example
 * ```ts
 * const { candidates, rejected } = indicatorsOf(bundle, Date.parse("2024-09-06T00:00:00Z"))
 * ```
 */
export const indicatorsOf = (
  bundle: unknown,
  referenceTime: number,
): {
  readonly candidates: ReadonlyArray<Candidate>
  readonly rejected: ReadonlyArray<Rejected>
  readonly indicators: number
} => {
  const rejected: Array<Rejected> = []
  const byKey = new Map<
    string,
    { type: IndicatorType; value: string; sources: Array<string>; ttlSeconds: number | null }
  >()
  if (typeof bundle !== "object" || bundle === null || (bundle as { type?: unknown }).type !== "bundle")
    return {
      candidates: [],
      rejected: [{ indicator: "(bundle)", reason: "not a STIX bundle" }],
      indicators: 0,
    }
  const objects = (bundle as { objects?: unknown }).objects
  if (!Array.isArray(objects)) return { candidates: [], rejected: [], indicators: 0 }
  if (objects.length > limits.maxObjects)
    return {
      candidates: [],
      rejected: [{ indicator: "(bundle)", reason: `more than ${limits.maxObjects} objects` }],
      indicators: 0,
    }
  let count = 0
  for (const o of objects as ReadonlyArray<Record<string, unknown>>) {
    if (typeof o !== "object" || o === null || o.type !== "indicator") continue
    count++
    const id = typeof o.id === "string" ? o.id : "(no id)"
    const reject = (reason: string) => rejected.push({ indicator: id, reason })
    if (o.revoked === true) {
      reject("revoked")
      continue
    }
    if (o.pattern_type !== undefined && o.pattern_type !== "stix") {
      reject(`pattern_type ${String(o.pattern_type)} is not stix`)
      continue
    }
    if (typeof o.pattern !== "string") {
      reject("no pattern")
      continue
    }
    let ttlSeconds: number | null = null
    if (o.valid_until !== undefined) {
      const until = typeof o.valid_until === "string" ? Date.parse(o.valid_until) : Number.NaN
      if (Number.isNaN(until)) {
        reject(`invalid valid_until ${String(o.valid_until)}`)
        continue
      }
      if (until <= referenceTime) {
        reject(`expired (valid_until ${o.valid_until as string})`)
        continue
      }
      ttlSeconds = Math.floor((until - referenceTime) / 1000)
    }
    let found: ReturnType<typeof extract>
    try {
      found = extract(parse(o.pattern))
    } catch (e) {
      if (e instanceof PatternError) {
        reject(`unparseable pattern: ${e.message}`)
        continue
      }
      throw e
    }
    for (const reason of found.skipped) reject(reason)
    for (const { type, value: raw } of found.indicators) {
      const value = normalize(type, raw)
      if (!validators[type](value)) {
        reject(`${type} value '${raw.slice(0, 100)}' is not a valid ${type}`)
        continue
      }
      const key = `${type}|${value}`
      const seen = byKey.get(key)
      if (seen === undefined) byKey.set(key, { type, value, sources: [id], ttlSeconds })
      else {
        if (!seen.sources.includes(id)) seen.sources.push(id)
        seen.ttlSeconds =
          seen.ttlSeconds === null || ttlSeconds === null ? null : Math.max(seen.ttlSeconds, ttlSeconds)
      }
    }
  }
  return { candidates: [...byKey.values()], rejected, indicators: count }
}
