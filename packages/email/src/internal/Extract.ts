import { createHash } from "node:crypto"
import { isIP } from "node:net"
import PostalMime, { addressParser, type Attachment as PostalAttachment } from "postal-mime"
import type { Reason } from "../EmailError.ts"
import type { Limits } from "../Limits.ts"
import type { Attachment, DataUri, Mailbox, ParsedEmail, Url, UrlSource } from "../ParsedEmail.ts"
import { authentication, mailboxes, originIp, receivedChain, returnPath } from "./Headers.ts"
import { isDefanged, isDomain, isPublicIp, isShortener, normalizeHost, normalizeUrl } from "./Normalize.ts"
import { decodeQr } from "./Qr.ts"
import { imagePixels, isScannableImage, sniff } from "./Sniff.ts"
import { decodeDataUri, defangedDomainsInText, type Found, ipsInText, scanHtml, urlsInText } from "./Urls.ts"
import { declaresUtf7, decodeUtf7 } from "./Utf7.ts"

/** Outcome of the pure extraction: never a thrown exception. */
export type ExtractResult =
  | { readonly _tag: "Success"; readonly value: ParsedEmail }
  | { readonly _tag: "Failure"; readonly reason: Reason }

class LimitHit {
  readonly reason: Reason
  constructor(reason: Reason) {
    this.reason = reason
  }
}

/** Budgets shared by a message and everything nested in it. */
interface State {
  readonly limits: Limits
  readonly urls: Set<string>
  qrImages: number
}

const toBytes = (raw: Uint8Array | string): Uint8Array =>
  typeof raw === "string" ? Buffer.from(raw, "utf8") : raw

/**
 * Parses and extracts indicators in the calling thread. This is what the worker runs; call it
 * directly only on trusted-size input (it has no wall-clock or heap bound of its own).
 */
export const extract = async (raw: Uint8Array | string, limits: Limits): Promise<ExtractResult> => {
  try {
    const bytes = toBytes(raw)
    if (bytes.length > limits.maxBytes) {
      return { _tag: "Failure", reason: { _tag: "TooLarge", size: bytes.length, limit: limits.maxBytes } }
    }
    const parts = countParts(bytes)
    if (parts > limits.maxParts) {
      return { _tag: "Failure", reason: { _tag: "TooManyParts", count: parts, limit: limits.maxParts } }
    }
    const state: State = { limits, urls: new Set(), qrImages: 0 }
    return { _tag: "Success", value: await message(bytes, 0, state) }
  } catch (e) {
    if (e instanceof LimitHit) return { _tag: "Failure", reason: e.reason }
    return { _tag: "Failure", reason: { _tag: "Malformed", message: String((e as Error)?.message ?? e) } }
  }
}

/**
 * Counts MIME parts before parsing: delimiter lines of every declared boundary, plus the root.
 * Nested messages are included because the scan covers the whole raw text.
 */
export const countParts = (bytes: Uint8Array): number => {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")
  const boundaries = new Set<string>()
  for (const m of text.matchAll(/boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/gi)) {
    boundaries.add((m[1] ?? m[2]!).trimEnd())
  }
  if (boundaries.size === 0) return 1
  // Line scan with indexOf: linear, where a /^--(.*?)\s*$/m regex backtracks on long lines.
  let parts = 1
  let start = 0
  while (start < text.length) {
    let end = text.indexOf("\n", start)
    if (end < 0) end = text.length
    if (text.charCodeAt(start) === 45 && text.charCodeAt(start + 1) === 45) {
      const candidate = text.slice(start + 2, Math.min(end, start + 260)).trimEnd()
      if (boundaries.has(candidate)) parts++
    }
    start = end + 1
  }
  return parts
}

const mapParserError = (e: unknown, limits: Limits): Reason => {
  const message = String((e as Error)?.message ?? e)
  if (message.includes("nesting depth")) return { _tag: "TooDeep", kind: "multipart", limit: limits.maxDepth }
  if (message.includes("header size")) return { _tag: "HeadersTooLarge", limit: limits.maxHeaderBytes }
  return { _tag: "Malformed", message }
}

const isoDate = (value: string | undefined): string | null => {
  if (value === undefined) return null
  const t = Date.parse(value)
  return Number.isNaN(t) ? null : new Date(t).toISOString()
}

const attachmentBytes = (a: PostalAttachment): Uint8Array =>
  typeof a.content === "string"
    ? Buffer.from(a.content, a.encoding === "base64" ? "base64" : "utf8")
    : a.content instanceof Uint8Array
      ? a.content
      : new Uint8Array(a.content)

const TEXTUAL = new Set(["html", "xml", "text", "ics"])

const message = async (bytes: Uint8Array, depth: number, state: State): Promise<ParsedEmail> => {
  const { limits } = state
  let email: Awaited<ReturnType<typeof PostalMime.parse>>
  try {
    email = await PostalMime.parse(bytes, {
      forceRfc822Attachments: true,
      maxNestingDepth: limits.maxDepth,
      maxHeadersSize: limits.maxHeaderBytes,
      attachmentEncoding: "arraybuffer",
    })
  } catch (e) {
    throw new LimitHit(mapParserError(e, limits))
  }

  if (declaresUtf7(bytes)) {
    if (email.html?.includes("+AD")) email.html = decodeUtf7(email.html)
    if (email.text?.includes("+AD")) email.text = decodeUtf7(email.text)
  }
  const found: Array<Found> = []
  const dataUriTexts: Array<string> = []
  const textChunks: Array<string> = []
  if (email.text) {
    found.push(...urlsInText(email.text, "text"))
    textChunks.push(email.text)
  }
  if (email.html) {
    const html = scanHtml(email.html)
    found.push(...html.urls, ...urlsInText(html.visibleText, "html-text"))
    dataUriTexts.push(...html.dataUris)
    textChunks.push(html.visibleText)
  }

  const attachments: Array<Attachment> = []
  const nested: Array<ParsedEmail> = []
  let qrSkipped = 0
  const scanImage = async (image: Uint8Array, type: ReturnType<typeof sniff>): Promise<Array<string>> => {
    if (!isScannableImage(type)) return []
    const pixels = imagePixels(image, type)
    if (state.qrImages >= limits.maxQrImages || pixels === null || pixels > limits.maxQrPixels) {
      qrSkipped++
      return []
    }
    state.qrImages++
    return decodeQr(image)
  }

  for (const a of email.attachments) {
    const content = attachmentBytes(a)
    if (content.length > limits.maxAttachmentBytes) {
      throw new LimitHit({
        _tag: "AttachmentTooLarge",
        filename: a.filename,
        size: content.length,
        limit: limits.maxAttachmentBytes,
      })
    }
    const sniffedType = sniff(content)
    const qr = await scanImage(content, sniffedType)
    for (const payload of qr) found.push(...qrUrls(payload))
    if (a.mimeType === "message/rfc822" || a.mimeType === "message/global") {
      if (depth + 1 > limits.maxMessageDepth) {
        throw new LimitHit({ _tag: "TooDeep", kind: "message", limit: limits.maxMessageDepth })
      }
      nested.push(await message(content, depth + 1, state))
    } else if (TEXTUAL.has(sniffedType)) {
      const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("utf8")
      const scanned = sniffedType === "html" ? scanHtml(text) : null
      found.push(...urlsInText(scanned?.visibleText ?? text, "attachment"))
      if (scanned !== null)
        found.push(...scanned.urls.map((u) => ({ raw: u.raw, source: "attachment" as const })))
    }
    attachments.push({
      filename: a.filename,
      contentType: a.mimeType,
      sniffedType,
      disposition: a.disposition,
      contentId: a.contentId ?? null,
      size: content.length,
      sha256: createHash("sha256").update(content).digest("hex"),
      md5: createHash("md5").update(content).digest("hex"),
      qr,
    })
  }

  const dataUris: Array<DataUri> = []
  for (const uri of dataUriTexts) {
    const decoded = decodeDataUri(uri)
    if (decoded === null) continue
    const qr = decoded.mediaType.startsWith("image/")
      ? await scanImage(decoded.bytes, sniff(decoded.bytes))
      : []
    for (const payload of qr) found.push(...qrUrls(payload))
    dataUris.push({
      mediaType: decoded.mediaType,
      size: decoded.bytes.length,
      sha256: createHash("sha256").update(decoded.bytes).digest("hex"),
      qr,
    })
  }

  const urls = mergeUrls(found, state)
  const fromHeader = email.headers.find((h) => h.key === "from")
  const from = fromMailbox(
    fromHeader === undefined
      ? mailboxes(email.from)
      : mailboxes(addressParser(fromHeader.value, { flatten: true })),
  )
  const sender = mailboxes(email.sender)[0] ?? null
  const replyTo = mailboxes(email.replyTo)
  const rp = returnPath(email.returnPath)
  const received = receivedChain(email.headers)
  const senders = [from, sender, rp, ...replyTo].filter((m): m is Mailbox => m !== null)
  const text = textChunks.join("\n")

  return {
    depth,
    subject: email.subject ?? null,
    messageId: email.messageId ?? null,
    date: isoDate(email.date),
    from,
    sender,
    replyTo,
    returnPath: rp,
    to: mailboxes(email.to),
    cc: mailboxes(email.cc),
    authentication: authentication(email.headers),
    received,
    originIp: originIp(received),
    text: email.text ?? null,
    html: email.html ?? null,
    urls,
    domains: collectDomains(urls, senders, text),
    ips: collectIps(urls, received, text),
    attachments,
    dataUris,
    qrSkipped,
    nested,
  }
}

/**
 * The From mailbox. An unquoted comma in the display name (`Microsoft team ,_<x@evil>`) splits it
 * into address-less entries: join them back onto the first real address.
 */
const fromMailbox = (list: ReadonlyArray<Mailbox>): Mailbox | null => {
  const index = list.findIndex((m) => m.address !== "")
  if (index < 0) return list[0] ?? null
  const m = list[index]!
  const name = [...list.slice(0, index).map((p) => p.name), m.name].filter((n) => n !== "").join(", ")
  return { ...m, name }
}

/** A QR payload that is a URL (or contains one) becomes a URL indicator. */
const qrUrls = (payload: string): Array<Found> => {
  const inText = urlsInText(payload, "qr")
  return inText.length > 0 ? inText : normalizeUrl(payload) === null ? [] : [{ raw: payload, source: "qr" }]
}

const mergeUrls = (found: ReadonlyArray<Found>, state: State): Array<Url> => {
  const byValue = new Map<
    string,
    { raw: string; host: string | null; sources: Set<UrlSource>; defanged: boolean }
  >()
  for (const f of found) {
    const n = normalizeUrl(f.raw)
    if (n === null) continue
    const existing = byValue.get(n.value)
    if (existing !== undefined) {
      existing.sources.add(f.source)
      continue
    }
    state.urls.add(n.value)
    if (state.urls.size > state.limits.maxUrls) {
      throw new LimitHit({ _tag: "TooManyUrls", count: state.urls.size, limit: state.limits.maxUrls })
    }
    byValue.set(n.value, {
      raw: f.raw,
      host: n.host,
      sources: new Set([f.source]),
      defanged: isDefanged(f.raw),
    })
  }
  return Array.from(byValue, ([value, u]) => ({
    value,
    raw: u.raw,
    host: u.host,
    sources: Array.from(u.sources),
    shortener: isShortener(u.host),
    defanged: u.defanged,
  }))
}

const collectDomains = (
  urls: ReadonlyArray<Url>,
  senders: ReadonlyArray<Mailbox>,
  text: string,
): Array<string> => {
  const out = new Set<string>()
  for (const u of urls) if (u.host !== null && isDomain(u.host)) out.add(u.host)
  for (const m of senders) if (isDomain(m.domain)) out.add(m.domain)
  for (const d of defangedDomainsInText(text)) {
    const host = normalizeHost(d)
    if (host !== null && isDomain(host)) out.add(host)
  }
  return Array.from(out)
}

const collectIps = (
  urls: ReadonlyArray<Url>,
  received: ReadonlyArray<{ readonly ip: string | null }>,
  text: string,
): Array<string> => {
  const out = new Set<string>()
  for (const hop of received) if (hop.ip !== null && isPublicIp(hop.ip)) out.add(hop.ip)
  for (const u of urls) if (u.host !== null && isIP(u.host) !== 0) out.add(u.host)
  for (const ip of ipsInText(text)) if (isPublicIp(ip)) out.add(ip)
  return Array.from(out)
}
