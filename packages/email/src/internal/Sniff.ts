import type { SniffedType } from "../ParsedEmail.ts"

const startsWith = (b: Uint8Array, sig: ReadonlyArray<number>, offset = 0): boolean => {
  if (b.length < offset + sig.length) return false
  for (let i = 0; i < sig.length; i++) if (b[offset + i] !== sig[i]) return false
  return true
}

const ascii = (b: Uint8Array, start: number, end: number): string =>
  Buffer.from(b.buffer, b.byteOffset + start, Math.max(0, Math.min(end, b.length) - start)).toString("latin1")

const ooxml = (b: Uint8Array): SniffedType => {
  // OOXML is a ZIP whose local file headers name the part folders; they come early.
  const head = ascii(b, 0, 64 * 1024)
  if (!head.includes("[Content_Types].xml") && !/(?:word|xl|ppt)\//.test(head)) return "zip"
  if (head.includes("word/")) return "docx"
  if (head.includes("xl/")) return "xlsx"
  if (head.includes("ppt/")) return "pptx"
  return "ooxml"
}

/** File type from magic bytes, independent of the declared content type and the filename. */
export const sniff = (b: Uint8Array): SniffedType => {
  if (startsWith(b, [0x25, 0x50, 0x44, 0x46, 0x2d])) return "pdf"
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return ooxml(b)
  if (startsWith(b, [0x7b, 0x5c, 0x72, 0x74, 0x66])) return "rtf"
  if (
    startsWith(b, [0x43, 0x44, 0x30, 0x30, 0x31], 0x8001) ||
    startsWith(b, [0x43, 0x44, 0x30, 0x30, 0x31], 0x8801)
  )
    return "iso9660"
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png"
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "jpeg"
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return "gif"
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8)) return "webp"
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return "ole"
  if (startsWith(b, [0x4d, 0x5a])) return "pe"
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return "elf"
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return "7z"
  if (startsWith(b, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return "rar"
  if (startsWith(b, [0x1f, 0x8b])) return "gzip"
  if (startsWith(b, [0x4d, 0x53, 0x43, 0x46])) return "cab"
  if (startsWith(b, [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00])) return "lnk"
  if (
    startsWith(b, [0x42, 0x4d]) &&
    b.length > 26 &&
    b[14] !== undefined &&
    [12, 40, 56, 108, 124].includes(b[14])
  )
    return "bmp"
  const head = ascii(b, 0, 1024)
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, "")
    .trimStart()
    .toLowerCase()
  if (/^(?:<!doctype html|<html|<head|<body|<script|<meta|<iframe|<form|<div|<table|<!--)/.test(head))
    return "html"
  if (head.startsWith("<?xml")) return /<html[\s>]/.test(head) ? "html" : "xml"
  if (head.startsWith("begin:vcalendar")) return "ics"
  if (
    /^(?:received|return-path|from|message-id|mime-version|date|subject|delivered-to):/m.test(
      head.slice(0, 200),
    )
  )
    return "eml"
  if (b.length > 0 && isText(b)) return "text"
  return "unknown"
}

const isText = (b: Uint8Array): boolean => {
  const n = Math.min(b.length, 4096)
  let bad = 0
  for (let i = 0; i < n; i++) {
    const c = b[i]!
    if (c === 0) return false
    if (c < 0x09 || (c > 0x0d && c < 0x20)) bad++
  }
  return bad / n < 0.01
}

/** Image width × height from the header, without decoding; null when unknown. */
export const imagePixels = (b: Uint8Array, type: SniffedType): number | null => {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  if (type === "png" && b.length >= 24) return view.getUint32(16) * view.getUint32(20)
  if (type === "gif" && b.length >= 10) return view.getUint16(6, true) * view.getUint16(8, true)
  if (type === "bmp" && b.length >= 26) return Math.abs(view.getInt32(18, true) * view.getInt32(22, true))
  if (type === "jpeg") {
    let i = 2
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null
      const marker = b[i + 1]!
      if (marker === 0xff) {
        i++
        continue
      }
      const length = view.getUint16(i + 2)
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return view.getUint16(i + 5) * view.getUint16(i + 7)
      }
      if (length < 2) return null
      i += 2 + length
    }
  }
  return null
}

/** Image types zxing can decode. */
export const isScannableImage = (type: SniffedType): boolean =>
  type === "png" || type === "jpeg" || type === "gif" || type === "bmp"
