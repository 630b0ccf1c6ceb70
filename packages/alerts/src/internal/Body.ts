// Reads a WHATWG body stream with a byte cap. Content-Length is never trusted: the cap is
// enforced on the bytes actually received, and reading stops (the stream is cancelled) as soon
// as the cap is exceeded.

export type BodyResult =
  | { readonly _tag: "Ok"; readonly bytes: Uint8Array }
  | { readonly _tag: "TooLarge"; readonly received: number; readonly head: Uint8Array }

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const out = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    out.set(c.subarray(0, Math.min(c.length, size - offset)), offset)
    offset += c.length
    if (offset >= size) break
  }
  return out
}

export const readCapped = async (
  body: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<BodyResult> => {
  if (body === null) return { _tag: "Ok", bytes: new Uint8Array(0) }
  const reader = body.getReader()
  const chunks: Array<Uint8Array> = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    chunks.push(value)
    if (total > max) {
      await reader.cancel("body too large").catch(() => undefined)
      return { _tag: "TooLarge", received: total, head: concat(chunks, max) }
    }
  }
  return { _tag: "Ok", bytes: concat(chunks, total) }
}
