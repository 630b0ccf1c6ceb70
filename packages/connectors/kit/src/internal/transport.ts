/**
 * One HTTP exchange over undici with a hard timeout (Effect-level, so interruption aborts the
 * socket), a response size cap, and errors that never carry URLs, headers or bodies.
 */
import { InvalidResponse, Refused, Timeout, Transport } from "@riposte/core"
import { Effect } from "effect"
import { type Dispatcher, request } from "undici"

export interface SendOptions {
  readonly url: URL
  readonly method: string
  readonly headers: Record<string, string>
  readonly body?: string | Uint8Array | undefined
  readonly dispatcher?: Dispatcher | undefined
  readonly timeoutMillis: number
  readonly maxResponseBytes: number
}

export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: Uint8Array
}

export type TransportReason = Timeout | Transport | InvalidResponse | Refused

/** Error code used by the SSRF guard's lookup to refuse a connection. */
export const refusedCode = "ERR_RIPOSTE_REFUSED"

class BodyTooLarge extends Error {}

const errorCode = (error: unknown): string | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** Only a stable code, never the message: undici and Node messages can embed URLs. */
export const toReason = (error: unknown, maxResponseBytes: number): TransportReason => {
  if (error instanceof BodyTooLarge) {
    return new InvalidResponse({ path: "$body", detail: `response larger than ${maxResponseBytes} bytes` })
  }
  const code = errorCode(error)
  if (code === refusedCode) {
    return new Refused({ detail: (error as { refusal?: string }).refusal ?? "destination not allowed" })
  }
  return new Transport({ detail: code ?? (error instanceof Error ? error.name : "unknown transport error") })
}

const readCapped = async (body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  let total = 0
  for await (const chunk of body) {
    total += chunk.byteLength
    if (total > maxBytes) throw new BodyTooLarge()
    chunks.push(chunk)
  }
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/** Sends one request; the whole exchange (connect, headers, body) must finish within the timeout. */
export const send = (options: SendOptions): Effect.Effect<RawResponse, TransportReason> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await request(options.url, {
        method: options.method as "GET",
        headers: options.headers,
        body: options.body ?? null,
        signal,
        ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      })
      const declared = Number(response.headers["content-length"])
      if (Number.isFinite(declared) && declared > options.maxResponseBytes) {
        response.body.destroy()
        throw new BodyTooLarge()
      }
      try {
        const body = await readCapped(response.body, options.maxResponseBytes)
        return { status: response.statusCode, headers: response.headers, body }
      } catch (error) {
        response.body.destroy()
        throw error
      }
    },
    catch: (error) => toReason(error, options.maxResponseBytes),
  }).pipe(
    Effect.timeoutOrElse({
      duration: options.timeoutMillis,
      orElse: () => Effect.fail(new Timeout({ afterMillis: options.timeoutMillis })),
    }),
  )
