import { isIP } from "node:net"
import type { UrlSource } from "../ParsedEmail.ts"
import { refang } from "./Normalize.ts"

/** A URL candidate as found in the message, before normalisation. */
export interface Found {
  readonly raw: string
  readonly source: UrlSource
}

// Square brackets end a URL in text (`[https://x][label]`) unless they defang a dot or colon.
const URL_CHARS = String.raw`(?:\[\.\]|\[:\]|[^\s<>"'\x60{}|\\^\[\]])`
const SCHEME_URL = new RegExp(String.raw`\b(?:h(?:tt|xx)ps?|fxp|ftps?)(?:\[:\]|:)\/\/${URL_CHARS}+`, "gi")
const WWW_URL = new RegExp(
  String.raw`\bwww(?:\.|\[\.\])[a-z0-9-]+(?:(?:\.|\[\.\]|\(\.\))[a-z0-9-]+)+${URL_CHARS}*`,
  "gi",
)
const IPV4 = /\b(?:\d{1,3}(?:\.|\[\.\])){3}\d{1,3}\b/g

/** URL candidates in plain text, defanged forms included. */
export const urlsInText = (text: string, source: UrlSource): Array<Found> => {
  const out: Array<Found> = []
  const masked = text.replace(SCHEME_URL, (m) => {
    out.push({ raw: m, source })
    return " ".repeat(m.length)
  })
  for (const m of masked.matchAll(WWW_URL)) out.push({ raw: m[0], source })
  return out
}

/**
 * Defanged bare domains (`evil[.]com`) in text: only defanged ones, plain dotted words are too
 * noisy. Tokenises first (linear time) instead of one backtracking regex over the whole text.
 */
export const defangedDomainsInText = (text: string): Array<string> => {
  const out: Array<string> = []
  for (const m of text.matchAll(/[a-z0-9\-.[\](){}]+/gi)) {
    const token = m[0]
    if (!/\[\.\]|\(\.\)|\{\.\}/.test(token)) continue
    const host = refang(token)
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/gi, "")
      .toLowerCase()
    if (host.includes(".")) out.push(host)
  }
  return out
}

/** IPv4 addresses in text (defanged `1[.]2[.]3[.]4` included), refanged and validated. */
export const ipsInText = (text: string): Array<string> => {
  const out: Array<string> = []
  for (const m of text.matchAll(IPV4)) {
    const ip = refang(m[0])
    if (isIP(ip) === 4) out.push(ip)
  }
  return out
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " }

/** Decodes the HTML entities that matter for URLs and visible text. */
export const decodeEntities = (s: string): string =>
  s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});?/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code =
        body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1))
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[body.toLowerCase()] ?? whole
  })

const ATTRIBUTE =
  /\b(href|src|action|formaction|background|poster|data-src|data-href|srcset)\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s"'>]+))/gi
const CSS_URL = /url\(\s*["']?([^"')\s]+)/gi

export interface HtmlFindings {
  readonly urls: Array<Found>
  /** `data:` URIs, verbatim, to be recorded (never fetched). */
  readonly dataUris: Array<string>
  readonly visibleText: string
}

const classify = (value: string, source: UrlSource, findings: HtmlFindings): void => {
  const v = value.trim()
  if (/^data:/i.test(v)) findings.dataUris.push(v)
  else if (/^(?:h(?:tt|xx)ps?|ftps?):|^\/\/|^www\./i.test(v)) {
    findings.urls.push({ raw: v.startsWith("//") ? `https:${v}` : v, source })
  } else if (/^mailto:/i.test(v) && source === "html-href") findings.urls.push({ raw: v, source })
}

/** URLs from href/src/... attributes and CSS `url()`, data: URIs, and the visible text. */
export const scanHtml = (html: string): HtmlFindings => {
  const findings: HtmlFindings = { urls: [], dataUris: [], visibleText: "" }
  for (const m of html.matchAll(ATTRIBUTE)) {
    const name = m[1]!.toLowerCase()
    const value = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "")
    const source: UrlSource = name === "href" || name === "data-href" ? "html-href" : "html-src"
    if (name === "srcset") {
      for (const candidate of value.split(","))
        classify(candidate.trim().split(/\s+/)[0] ?? "", source, findings)
    } else classify(value, source, findings)
  }
  for (const m of html.matchAll(CSS_URL)) classify(decodeEntities(m[1]!), "html-src", findings)
  return { ...findings, visibleText: decodeEntities(visibleText(html)) }
}

/**
 * Text outside tags, comments, scripts, styles and the head. A single left-to-right scan with
 * indexOf: the regex equivalents backtrack quadratically on unterminated `<!--` or `<script`.
 */
export const visibleText = (html: string): string => {
  const lower = html.toLowerCase()
  const out: Array<string> = []
  let i = 0
  while (i < html.length) {
    const lt = lower.indexOf("<", i)
    if (lt < 0) {
      out.push(html.slice(i))
      break
    }
    out.push(html.slice(i, lt), " ")
    if (lower.startsWith("<!--", lt)) {
      const end = lower.indexOf("-->", lt + 4)
      i = end < 0 ? html.length : end + 3
      continue
    }
    const block = /^<(script|style|head)\b/.exec(lower.slice(lt, lt + 8))
    if (block !== null) {
      const close = lower.indexOf(`</${block[1]}`, lt + 1)
      const gt = close < 0 ? -1 : lower.indexOf(">", close)
      i = gt < 0 ? html.length : gt + 1
      continue
    }
    const gt = lower.indexOf(">", lt)
    i = gt < 0 ? html.length : gt + 1
  }
  return out.join("")
}

export interface DecodedDataUri {
  readonly mediaType: string
  readonly bytes: Uint8Array
}

/** Decodes a data: URI's payload (base64 or percent-encoded); null when it is not well-formed. */
export const decodeDataUri = (uri: string): DecodedDataUri | null => {
  const comma = uri.indexOf(",")
  if (comma < 0) return null
  const meta = uri.slice(5, comma)
  const payload = uri.slice(comma + 1)
  const parts = meta.split(";").map((p) => p.trim())
  const mediaType = (parts[0] || "text/plain").toLowerCase()
  const base64 = parts.slice(1).some((p) => p.toLowerCase() === "base64")
  if (base64) return { mediaType, bytes: Buffer.from(payload.replace(/\s+/g, ""), "base64") }
  try {
    return { mediaType, bytes: Buffer.from(decodeURIComponent(payload), "utf8") }
  } catch {
    return { mediaType, bytes: Buffer.from(payload, "latin1") }
  }
}
