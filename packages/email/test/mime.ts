/** Builders for crafted (hostile) messages used by the limit and fuzz tests. */

export const simple = (body: string, headers = ""): string =>
  `From: a@example.com\r\nTo: b@example.org\r\nSubject: test\r\n${headers}MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`

/** A multipart/mixed with `n` small text parts. */
export const manyParts = (n: number): string => {
  const parts = Array.from(
    { length: n },
    (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`,
  ).join("")
  return `From: a@example.com\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`
}

/** Multipart containers nested `depth` levels deep. */
export const deepMultipart = (depth: number): string => {
  let inner = "Content-Type: text/plain\r\n\r\ninnermost\r\n"
  for (let i = depth; i > 0; i--) {
    inner = `Content-Type: multipart/mixed; boundary="d${i}"\r\n\r\n--d${i}\r\n${inner}--d${i}--\r\n`
  }
  return `From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n${inner}`
}

/** message/rfc822 parts nested `depth` levels deep (attachments, so each is a separate message). */
export const deepMessages = (depth: number): string => {
  let inner = simple("innermost")
  for (let i = depth; i > 0; i--) {
    inner =
      `From: l${i}@example.com\r\nSubject: level ${i}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m${i}"\r\n\r\n` +
      `--m${i}\r\nContent-Type: text/plain\r\n\r\nlevel ${i}\r\n` +
      `--m${i}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n${inner}\r\n--m${i}--\r\n`
  }
  return inner
}

/** One base64 attachment of `size` decoded bytes. */
export const withAttachment = (size: number, filename = "blob.bin"): string => {
  const b64 = Buffer.alloc(size, 0x41).toString("base64").replace(/.{76}/g, "$&\r\n")
  return (
    `From: a@example.com\r\nSubject: att\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n` +
    `--x\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n` +
    `--x\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="${filename}"\r\n` +
    `Content-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--x--\r\n`
  )
}
