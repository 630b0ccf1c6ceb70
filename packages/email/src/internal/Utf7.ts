/**
 * UTF-7 (RFC 2152) decoding. TextDecoder has no UTF-7, so postal-mime returns such parts
 * undecoded; phishers use it precisely because filters then see `+ADw-a href+AD0-...`.
 */
export const decodeUtf7 = (s: string): string =>
  s.replace(/\+([A-Za-z0-9+/]*)-?/g, (_whole, b64: string) => {
    if (b64 === "") return "+"
    const bytes = Buffer.from(b64, "base64")
    let out = ""
    for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!)
    return out
  })

/** True when any Content-Type in the raw message declares charset utf-7. */
export const declaresUtf7 = (raw: Uint8Array): boolean =>
  /charset\s*=\s*"?(?:utf-7|unicode-1-1-utf-7|csunicode11utf7)\b/i.test(
    Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1"),
  )
