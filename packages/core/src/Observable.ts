/**
 * Observables (indicators and entities) and their normalization: refang, lower-case hosts,
 * IDNA, with the raw value kept beside the normalized one.
 *
 * @since 0.1.0
 */
import { domainToASCII } from "node:url"
import { Schema } from "effect"

export const ObservableType = Schema.Literals([
  "ipv4",
  "ipv6",
  "domain",
  "url",
  "email",
  "sha256",
  "sha1",
  "md5",
  "filename",
  "user",
  "host",
  "process",
  "mailbox",
  "message-id",
])
export type ObservableType = typeof ObservableType.Type

export const Verdict = Schema.Literals(["malicious", "suspicious", "benign", "unknown"])
export type Verdict = typeof Verdict.Type

const verdictRank: Record<Verdict, number> = { unknown: 0, benign: 1, suspicious: 2, malicious: 3 }

/** The worst of several verdicts (`malicious` > `suspicious` > `benign` > `unknown`). */
export const worstVerdict = (verdicts: Iterable<Verdict>): Verdict => {
  let worst: Verdict = "unknown"
  for (const v of verdicts) if (verdictRank[v] > verdictRank[worst]) worst = v
  return worst
}

export const Observable = Schema.Struct({
  type: ObservableType,
  value: Schema.String,
  raw: Schema.String,
})
export type Observable = typeof Observable.Type

/** Undo common defanging: `hxxp://`, `[.]`, `(.)`, `[dot]`, `[:]`, `[@]`. */
export const refang = (s: string): string =>
  s
    .trim()
    .replace(/^hxxp(s?):\/\//i, "http$1://")
    .replace(/^h\*\*p(s?):\/\//i, "http$1://")
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, ".")
    .replace(/\[:\]/g, ":")
    .replace(/\[@\]|\[at\]|\(at\)/gi, "@")
    .replace(/\[\/\]/g, "/")

const normalizeHost = (host: string): string => {
  const lower = host.trim().replace(/\.$/, "").toLowerCase()
  const ascii = domainToASCII(lower)
  return ascii === "" ? lower : ascii
}

const normalizeUrl = (raw: string): string => {
  const refanged = refang(raw)
  try {
    const url = new URL(refanged)
    // WHATWG URL already lower-cases and IDNA-encodes special-scheme hosts.
    return url.href
  } catch {
    return refanged
  }
}

/** Error for values that cannot be an observable of the given type. */
export class InvalidObservable extends Schema.TaggedError<InvalidObservable>()("InvalidObservable", {
  type: Schema.String,
  raw: Schema.String,
  detail: Schema.String,
}) {}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const hex = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`)

/**
 * Normalizes a raw value of a given type; fails on values that cannot be of that type.
 *
 * @example
 * ```ts
 * Observable.normalize("url", "hxxps://EXAMPLE[.]com/a") // { type: "url", value: "https://example.com/a", raw: "hxxps://EXAMPLE[.]com/a" }
 * ```
 */
export const normalize = (type: ObservableType, raw: string): Observable => {
  const fail = (detail: string): never => {
    throw new InvalidObservable({ type, raw, detail })
  }
  const trimmed = raw.trim()
  if (trimmed.length === 0) fail("empty value")
  if (trimmed.length > 8192) fail("value longer than 8192 characters")
  let value: string
  switch (type) {
    case "ipv4":
      value = refang(trimmed)
      if (!ipv4.test(value)) fail("not an IPv4 address")
      break
    case "ipv6":
      value = refang(trimmed).toLowerCase()
      if (!/^[0-9a-f:.]+$/.test(value) || !value.includes(":")) fail("not an IPv6 address")
      break
    case "domain":
    case "host":
      value = normalizeHost(refang(trimmed))
      if (type === "domain" && !/^[a-z0-9_.-]+$/.test(value)) fail("not a domain name")
      break
    case "url":
      value = normalizeUrl(trimmed)
      break
    case "email": {
      const refanged = refang(trimmed)
      const at = refanged.lastIndexOf("@")
      if (at <= 0 || at === refanged.length - 1) fail("not an email address")
      value = `${refanged.slice(0, at).toLowerCase()}@${normalizeHost(refanged.slice(at + 1))}`
      break
    }
    case "sha256":
    case "sha1":
    case "md5":
      value = trimmed.toLowerCase()
      if (!hex(type === "sha256" ? 64 : type === "sha1" ? 40 : 32).test(value)) fail(`not a ${type} digest`)
      break
    default:
      value = trimmed
  }
  return { type, value, raw }
}

/** Like {@link normalize} but returns `undefined` instead of throwing. */
export const normalizeOption = (type: ObservableType, raw: string): Observable | undefined => {
  try {
    return normalize(type, raw)
  } catch {
    return undefined
  }
}
