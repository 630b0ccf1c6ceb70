import { isIP } from "node:net"
import { domainToASCII } from "node:url"

/** Removes the usual defanging: hxxp, [.], (.), {.}, [dot], [:], [@]. */
export const refang = (s: string): string =>
  s
    .replace(/\bh(?:xx|XX|Xx|xX)p(s?)/g, "http$1")
    .replace(/\bfxp(s?):/gi, "ftp$1:")
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, ".")
    .replace(/\[:\]/g, ":")
    .replace(/\[@\]|\[at\]/gi, "@")
    .replace(/\[\/\]/g, "/")

/** True when the text carries a defanging marker. */
export const isDefanged = (s: string): boolean =>
  /\bh(?:xx|XX|Xx|xX)ps?|\bfxp|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\[:\]|\[@\]/i.test(s)

const TRAILING = /[.,;:!?'"*>]+$/

/** Strips trailing punctuation that belongs to the sentence, not the indicator. */
export const stripTrailing = (s: string): string => {
  let out = s.replace(TRAILING, "")
  // A closing bracket is kept only when the indicator itself opened one.
  for (;;) {
    const last = out.at(-1)
    const open = last === ")" ? "(" : last === "]" ? "[" : last === "}" ? "{" : null
    if (open === null) break
    if (count(out, open) >= count(out, last!)) break
    out = out.slice(0, -1).replace(TRAILING, "")
  }
  return out
}

const count = (s: string, ch: string): number => s.split(ch).length - 1

/** Lower-case, IDNA (punycode) host without a trailing dot; null when not a valid host. */
export const normalizeHost = (host: string): string | null => {
  let h = refang(host.trim()).replace(/\.+$/, "")
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1)
  if (h === "") return null
  if (isIP(h) !== 0) return h.toLowerCase()
  const ascii = domainToASCII(h.toLowerCase())
  return ascii === "" ? null : ascii
}

/** True for a syntactically plausible DNS name with a dotted, alphabetic TLD. */
export const isDomain = (host: string): boolean =>
  host.length <= 253 &&
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(host)

export interface NormalizedUrl {
  readonly value: string
  readonly host: string | null
}

/** Refangs, strips trailing punctuation, parses with WHATWG URL (IDNA, lower-case host). */
export const normalizeUrl = (raw: string): NormalizedUrl | null => {
  let s = stripTrailing(refang(raw.trim()))
  if (/^www\./i.test(s)) s = `http://${s}`
  let url: URL
  try {
    url = new URL(s)
  } catch {
    return null
  }
  const protocol = url.protocol
  if (protocol === "http:" || protocol === "https:" || protocol === "ftp:") {
    const host = normalizeHost(url.hostname)
    if (host === null) return null
    return { value: url.href, host }
  }
  if (protocol === "mailto:" || protocol === "tel:" || protocol === "sms:") {
    return { value: url.href, host: null }
  }
  return null
}

/** Domains whose URLs only redirect elsewhere. */
export const SHORTENERS: ReadonlySet<string> = new Set([
  "bit.ly",
  "bitly.com",
  "tinyurl.com",
  "is.gd",
  "v.gd",
  "shorturl.at",
  "t.co",
  "goo.gl",
  "ow.ly",
  "rebrand.ly",
  "cutt.ly",
  "buff.ly",
  "t.ly",
  "rb.gy",
  "tiny.cc",
  "s.id",
  "shorte.st",
  "bl.ink",
  "lnkd.in",
  "qrco.de",
  "urlz.fr",
  "x.gd",
  "short.gy",
  "bit.do",
  "adf.ly",
  "soo.gd",
  "clck.ru",
  "u.to",
  "tr.im",
  "rebrandly.com",
])

/** True when the host is a known URL shortener (or a subdomain of one). */
export const isShortener = (host: string | null): boolean => {
  if (host === null) return false
  if (SHORTENERS.has(host)) return true
  const dot = host.indexOf(".")
  return dot > 0 && SHORTENERS.has(host.slice(dot + 1)) && host.startsWith("www.")
}

const PRIVATE_V4 = [
  /^10\./,
  /^127\./,
  /^0\./,
  /^169\.254\./,
  /^192\.168\./,
  /^172\.(?:1[6-9]|2\d|3[01])\./,
  /^100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./,
  /^(?:22[4-9]|2[3-5]\d)\./,
]

/** True for an IP that routes on the public internet. */
export const isPublicIp = (ip: string): boolean => {
  const v = isIP(ip)
  if (v === 4) return !PRIVATE_V4.some((r) => r.test(ip))
  if (v === 6) {
    const l = ip.toLowerCase()
    if (l.startsWith("::ffff:")) return isPublicIp(l.slice(7))
    return !(l === "::1" || l === "::" || /^f[cd]/.test(l) || /^fe[89ab]/.test(l) || l.startsWith("ff"))
  }
  return false
}
