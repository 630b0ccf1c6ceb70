import { Schema } from "effect"

/** A mailbox: decoded display name, address and normalised (lower-case, IDNA) domain. */
export const Mailbox = Schema.Struct({
  name: Schema.String,
  address: Schema.String,
  domain: Schema.String,
})
export type Mailbox = typeof Mailbox.Type

/** One `method=result` entry of an Authentication-Results header. */
export const AuthResult = Schema.Struct({
  /** authserv-id of the header, "" when the header omits it (Microsoft does). */
  authservId: Schema.String,
  method: Schema.String,
  result: Schema.String,
  /** `ptype.property` → value, e.g. `smtp.mailfrom`, `header.d`, `header.from`. */
  properties: Schema.Record(Schema.String, Schema.String),
})
export type AuthResult = typeof AuthResult.Type

/** SPF/DKIM/DMARC/ARC verdicts, from the topmost Authentication-Results carrying each method. */
export const Authentication = Schema.Struct({
  spf: Schema.NullOr(Schema.String),
  dkim: Schema.NullOr(Schema.String),
  dmarc: Schema.NullOr(Schema.String),
  arc: Schema.NullOr(Schema.String),
  results: Schema.Array(AuthResult),
})
export type Authentication = typeof Authentication.Type

/** One Received header, newest first as in the message. */
export const ReceivedHop = Schema.Struct({
  from: Schema.NullOr(Schema.String),
  by: Schema.NullOr(Schema.String),
  ip: Schema.NullOr(Schema.String),
  /** ISO 8601 when the date parses, else null. */
  date: Schema.NullOr(Schema.String),
  raw: Schema.String,
})
export type ReceivedHop = typeof ReceivedHop.Type

/** Where a URL was found. */
export const UrlSource = Schema.Literals(["text", "html-href", "html-src", "html-text", "attachment", "qr"])
export type UrlSource = typeof UrlSource.Type

/** A normalised URL indicator; `raw` is the text as found (possibly defanged). */
export const Url = Schema.Struct({
  value: Schema.String,
  raw: Schema.String,
  /** Lower-case ASCII (IDNA) host, null for scheme-only URLs such as `mailto:`. */
  host: Schema.NullOr(Schema.String),
  sources: Schema.Array(UrlSource),
  shortener: Schema.Boolean,
  defanged: Schema.Boolean,
})
export type Url = typeof Url.Type

/** A `data:` URI found in HTML: recorded, never fetched. */
export const DataUri = Schema.Struct({
  mediaType: Schema.String,
  size: Schema.Number,
  sha256: Schema.String,
  /** Decoded QR-code payloads when the URI is an image. */
  qr: Schema.Array(Schema.String),
})
export type DataUri = typeof DataUri.Type

/** Sniffed file type from magic bytes. */
export const SniffedType = Schema.Literals([
  "pdf",
  "zip",
  "docx",
  "xlsx",
  "pptx",
  "ooxml",
  "rtf",
  "iso9660",
  "png",
  "jpeg",
  "gif",
  "bmp",
  "webp",
  "html",
  "xml",
  "ole",
  "pe",
  "elf",
  "7z",
  "rar",
  "gzip",
  "cab",
  "lnk",
  "ics",
  "eml",
  "text",
  "unknown",
])
export type SniffedType = typeof SniffedType.Type

/** Attachment metadata: no bytes, only hashes. */
export const Attachment = Schema.Struct({
  filename: Schema.NullOr(Schema.String),
  contentType: Schema.String,
  sniffedType: SniffedType,
  disposition: Schema.NullOr(Schema.String),
  contentId: Schema.NullOr(Schema.String),
  size: Schema.Number,
  sha256: Schema.String,
  md5: Schema.String,
  /** Decoded QR-code payloads when the attachment is an image. */
  qr: Schema.Array(Schema.String),
})
export type Attachment = typeof Attachment.Type

/** A parsed message. Plain JSON data (no bytes), so it can go through a workflow journal. */
export interface ParsedEmail {
  readonly depth: number
  readonly subject: string | null
  readonly messageId: string | null
  readonly date: string | null
  readonly from: Mailbox | null
  readonly sender: Mailbox | null
  readonly replyTo: ReadonlyArray<Mailbox>
  readonly returnPath: Mailbox | null
  readonly to: ReadonlyArray<Mailbox>
  readonly cc: ReadonlyArray<Mailbox>
  readonly authentication: Authentication
  readonly received: ReadonlyArray<ReceivedHop>
  /** Public IP of the oldest Received hop that has one ("first external hop"). */
  readonly originIp: string | null
  readonly text: string | null
  readonly html: string | null
  readonly urls: ReadonlyArray<Url>
  readonly domains: ReadonlyArray<string>
  readonly ips: ReadonlyArray<string>
  readonly attachments: ReadonlyArray<Attachment>
  readonly dataUris: ReadonlyArray<DataUri>
  /** QR images found but not scanned because `maxQrImages` or `maxQrPixels` was reached. */
  readonly qrSkipped: number
  /** message/rfc822 parts, analysed recursively. */
  readonly nested: ReadonlyArray<ParsedEmail>
}

/** Schema of {@link ParsedEmail}. */
export const ParsedEmail: Schema.Codec<ParsedEmail> = Schema.Struct({
  depth: Schema.Number,
  subject: Schema.NullOr(Schema.String),
  messageId: Schema.NullOr(Schema.String),
  date: Schema.NullOr(Schema.String),
  from: Schema.NullOr(Mailbox),
  sender: Schema.NullOr(Mailbox),
  replyTo: Schema.Array(Mailbox),
  returnPath: Schema.NullOr(Mailbox),
  to: Schema.Array(Mailbox),
  cc: Schema.Array(Mailbox),
  authentication: Authentication,
  received: Schema.Array(ReceivedHop),
  originIp: Schema.NullOr(Schema.String),
  text: Schema.NullOr(Schema.String),
  html: Schema.NullOr(Schema.String),
  urls: Schema.Array(Url),
  domains: Schema.Array(Schema.String),
  ips: Schema.Array(Schema.String),
  attachments: Schema.Array(Attachment),
  dataUris: Schema.Array(DataUri),
  qrSkipped: Schema.Number,
  nested: Schema.Array(Schema.suspend((): Schema.Codec<ParsedEmail> => ParsedEmail)),
})
