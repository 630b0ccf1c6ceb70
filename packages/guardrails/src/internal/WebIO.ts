/**
 * Small helpers for the Fetch-API handlers: bounded body reads and JSON responses.
 */

/** Reads at most `limit` bytes of a request body; `undefined` when it is larger. */
export const readLimited = async (req: Request, limit: number): Promise<string | undefined> => {
  const declared = Number(req.headers.get("content-length") ?? "0")
  if (Number.isFinite(declared) && declared > limit) return undefined
  if (req.body === null) return ""
  const reader = req.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks))
}

export const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  })

/** HTTP status of an approval refusal. */
export const statusOfRefusal = (reason: string): number => {
  switch (reason) {
    case "NotFound":
      return 404
    case "RoleNotAllowed":
    case "SelfApproval":
    case "InvalidToken":
      return 403
    case "Expired":
      return 410
    default:
      return 409
  }
}
