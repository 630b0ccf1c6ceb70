import type { Analysis, AnalyzedAttachment, Indicator, Signal } from "../Analysis.ts"
import type { Mailbox, ParsedEmail } from "../ParsedEmail.ts"
import { domainOf } from "./Headers.ts"

const SECOND_LEVEL = new Set(["co", "com", "net", "org", "gov", "edu", "ac", "ne", "or", "go", "gob", "mil"])

/** Organisational domain, approximated without a public-suffix list: `a.b.example.co.uk` → `example.co.uk`. */
export const orgDomain = (domain: string): string => {
  const labels = domain.split(".").filter((l) => l !== "")
  if (labels.length <= 2) return labels.join(".")
  const tld = labels.at(-1)!
  const sld = labels.at(-2)!
  const keep = tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : 2
  return labels.slice(-keep).join(".")
}

/** Brands impersonated in display names, with the domains they really send from. */
const BRANDS: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  [
    "microsoft",
    ["microsoft.com", "office.com", "outlook.com", "live.com", "microsoftonline.com", "office365.com"],
  ],
  ["office365", ["microsoft.com", "office.com", "office365.com"]],
  ["outlook", ["microsoft.com", "outlook.com", "office.com"]],
  ["onedrive", ["microsoft.com", "onedrive.com"]],
  ["sharepoint", ["microsoft.com", "sharepoint.com"]],
  ["paypal", ["paypal.com"]],
  ["apple", ["apple.com", "icloud.com"]],
  ["icloud", ["apple.com", "icloud.com"]],
  [
    "amazon",
    ["amazon.com", "amazon.co.uk", "amazon.de", "amazon.fr", "amazon.es", "amazon.it", "amazonses.com"],
  ],
  ["netflix", ["netflix.com"]],
  ["coinbase", ["coinbase.com"]],
  ["binance", ["binance.com"]],
  ["metamask", ["metamask.io"]],
  ["google", ["google.com", "gmail.com"]],
  ["facebook", ["facebook.com", "facebookmail.com", "meta.com"]],
  ["instagram", ["instagram.com", "facebookmail.com"]],
  ["linkedin", ["linkedin.com"]],
  ["docusign", ["docusign.com", "docusign.net"]],
  ["dropbox", ["dropbox.com"]],
  ["adobe", ["adobe.com"]],
  ["wellsfargo", ["wellsfargo.com"]],
  ["chase", ["chase.com"]],
  ["bankofamerica", ["bankofamerica.com", "bofa.com"]],
  ["americanexpress", ["americanexpress.com", "aexp.com"]],
  ["dhl", ["dhl.com", "dhl.de"]],
  ["fedex", ["fedex.com"]],
  ["usps", ["usps.com", "usps.gov"]],
  ["wetransfer", ["wetransfer.com"]],
  ["trustwallet", ["trustwallet.com"]],
]

const HOMOGLYPHS: Record<string, string> = {
  а: "a",
  е: "e",
  о: "o",
  р: "p",
  с: "c",
  у: "y",
  х: "x",
  і: "i",
  ј: "j",
  ԁ: "d",
  ո: "n",
  ѕ: "s",
  "0": "o",
}

/** Folds case, compatibility forms, combining marks and common homoglyphs, keeps letters only. */
export const foldName = (name: string): string =>
  Array.from(name.normalize("NFKD").toLowerCase().replace(/\p{M}/gu, ""), (c) => HOMOGLYPHS[c] ?? c)
    .join("")
    .replace(/[^a-z]/g, "")

const sendsFrom = (domain: string, legit: ReadonlyArray<string>): boolean =>
  legit.some((d) => domain === d || domain.endsWith(`.${d}`))

const sameOrg = (a: string, b: string): boolean => a !== "" && b !== "" && orgDomain(a) === orgDomain(b)

const mailboxSignals = (p: ParsedEmail, depth: number): Array<Signal> => {
  const out: Array<Signal> = []
  const from = p.from
  if (from === null) return out
  for (const m of from.name.matchAll(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+\.[a-z]{2,}/gi)) {
    const shown = domainOf(m[0])
    if (shown !== "" && !sameOrg(shown, from.domain)) {
      out.push({
        kind: "DisplayNameAddressMismatch",
        detail: `display name shows ${m[0]} but the message is from ${from.address}`,
        depth,
      })
    }
  }
  const folded = foldName(from.name)
  for (const [brand, legit] of BRANDS) {
    if (folded.includes(brand) && !sendsFrom(from.domain, legit)) {
      out.push({
        kind: "DisplayNameBrandMismatch",
        detail: `display name "${from.name}" mentions ${brand} but the domain is ${from.domain || "(none)"}`,
        depth,
      })
      break
    }
  }
  const differs = (kind: Signal["kind"], label: string, m: Mailbox | null): void => {
    if (m !== null && m.domain !== "" && from.domain !== "" && !sameOrg(m.domain, from.domain)) {
      out.push({ kind, detail: `${label} domain ${m.domain} differs from From domain ${from.domain}`, depth })
    }
  }
  for (const r of p.replyTo) differs("ReplyToMismatch", "Reply-To", r)
  differs("ReturnPathMismatch", "Return-Path", p.returnPath)
  differs("SenderMismatch", "Sender", p.sender)
  return out
}

const FAILING = new Set(["fail", "softfail", "permerror", "temperror", "none", "neutral", "policy"])
const RISKY = new Set([
  "iso9660",
  "pe",
  "elf",
  "lnk",
  "html",
  "ole",
  "rtf",
  "cab",
  "7z",
  "rar",
  "zip",
  "gzip",
])
const EXTENSIONS: Record<string, ReadonlyArray<string>> = {
  pdf: ["pdf"],
  docx: ["docx", "docm", "dotx", "zip"],
  xlsx: ["xlsx", "xlsm", "zip"],
  pptx: ["pptx", "pptm", "ppsx", "zip"],
  zip: ["zip", "jar", "apk", "docx", "xlsx", "pptx", "odt", "kmz"],
  png: ["png"],
  jpeg: ["jpg", "jpeg", "jpe", "jfif"],
  gif: ["gif"],
  rtf: ["rtf", "doc"],
  iso9660: ["iso", "img"],
  html: ["html", "htm", "shtml", "xhtml"],
  pe: ["exe", "dll", "scr", "com", "sys", "cpl"],
}

const attachmentSignals = (p: ParsedEmail, depth: number): Array<Signal> => {
  const out: Array<Signal> = []
  for (const a of p.attachments) {
    const name = a.filename ?? "(unnamed)"
    const ext = /\.([a-z0-9]{1,8})$/i.exec(
      a.filename?.replace(/(?:\s|[\u200b-\u200f]|\u034f|\u2060|\ufeff)+$/u, "") ?? "",
    )
    const allowed = EXTENSIONS[a.sniffedType]
    if (ext !== null && allowed !== undefined && !allowed.includes(ext[1]!.toLowerCase())) {
      out.push({ kind: "AttachmentTypeMismatch", detail: `${name} is really ${a.sniffedType}`, depth })
    }
    if (RISKY.has(a.sniffedType))
      out.push({ kind: "RiskyAttachment", detail: `${name}: ${a.sniffedType}`, depth })
  }
  return out
}

const mailIndicators = (p: ParsedEmail, depth: number): Array<Indicator> => {
  const out: Array<Indicator> = []
  const push = (context: string, m: Mailbox | null): void => {
    if (m !== null && m.address !== "") {
      out.push({ type: "email", value: m.address.toLowerCase(), raw: m.address, context, depth })
    }
  }
  push("from", p.from)
  push("sender", p.sender)
  push("return-path", p.returnPath)
  for (const r of p.replyTo) push("reply-to", r)
  return out
}

const collect = (
  p: ParsedEmail,
  signals: Array<Signal>,
  indicators: Array<Indicator>,
  atts: Array<AnalyzedAttachment>,
) => {
  const depth = p.depth
  signals.push(...mailboxSignals(p, depth))
  const auth = p.authentication
  for (const [method, result] of [
    ["spf", auth.spf],
    ["dkim", auth.dkim],
    ["dmarc", auth.dmarc],
  ] as const) {
    if (result !== null && FAILING.has(result)) {
      signals.push({ kind: "AuthenticationFailure", detail: `${method}=${result}`, depth })
    }
  }
  indicators.push(...mailIndicators(p, depth))
  for (const u of p.urls) {
    const context = u.sources.join(",")
    indicators.push({ type: "url", value: u.value, raw: u.raw, context, depth })
    if (u.shortener) signals.push({ kind: "UrlShortener", detail: u.value, depth })
    if (u.sources.includes("qr")) signals.push({ kind: "QrCodeUrl", detail: u.value, depth })
    if (u.defanged) signals.push({ kind: "DefangedUrl", detail: u.raw, depth })
  }
  for (const d of p.domains) indicators.push({ type: "domain", value: d, raw: d, context: "message", depth })
  for (const ip of p.ips) indicators.push({ type: "ip", value: ip, raw: ip, context: "message", depth })
  for (const a of p.attachments) {
    const context = `attachment:${a.filename ?? "(unnamed)"}`
    indicators.push({ type: "sha256", value: a.sha256, raw: a.sha256, context, depth })
    indicators.push({ type: "md5", value: a.md5, raw: a.md5, context, depth })
    if (a.filename !== null)
      indicators.push({ type: "filename", value: a.filename, raw: a.filename, context, depth })
    atts.push({ ...a, depth })
  }
  signals.push(...attachmentSignals(p, depth))
  for (const n of p.nested) {
    signals.push({ kind: "NestedMessage", detail: n.subject ?? "(no subject)", depth })
    collect(n, signals, indicators, atts)
  }
}

export const fromParsed = (p: ParsedEmail): Analysis => {
  const signals: Array<Signal> = []
  const indicators: Array<Indicator> = []
  const attachments: Array<AnalyzedAttachment> = []
  collect(p, signals, indicators, attachments)
  const seen = new Set<string>()
  const unique = indicators.filter((i) => {
    const key = `${i.type}\u0000${i.value}\u0000${i.depth}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  return {
    subject: p.subject,
    messageId: p.messageId,
    date: p.date,
    from: p.from,
    authentication: p.authentication,
    originIp: p.originIp,
    signals,
    indicators: unique,
    attachments,
  }
}
