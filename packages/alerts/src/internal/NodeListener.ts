// node:http adapter for a WHATWG `(Request) => Promise<Response>` handler.
import type { IncomingMessage, ServerResponse } from "node:http"

const requestBody = (req: IncomingMessage): ReadableStream<Uint8Array> => {
  // Once the consumer cancels (body too large) the controller is closed: later "data"/"end"
  // events must not touch it, or they throw from an event handler and crash the process.
  let open = true
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Buffer) => {
        if (!open) return
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if ((controller.desiredSize ?? 1) <= 0) req.pause()
      })
      req.on("end", () => {
        if (open) controller.close()
        open = false
      })
      req.on("error", (e) => {
        if (open) controller.error(e)
        open = false
      })
    },
    pull() {
      req.resume()
    },
    // The handler stopped reading (body too large): discard the rest without destroying the
    // socket, so the response can still be written; the connection is closed afterwards.
    cancel() {
      open = false
      req.resume()
    },
  })
}

export const toNodeListener =
  (handler: (request: Request) => Promise<Response>) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
    }
    const method = req.method ?? "GET"
    const hasBody = method !== "GET" && method !== "HEAD"
    let request: Request
    try {
      request = new Request(new URL(req.url ?? "/", "http://localhost"), {
        method,
        headers,
        ...(hasBody ? { body: requestBody(req), duplex: "half" } : {}),
      } as RequestInit)
    } catch {
      // A request the WHATWG model refuses (e.g. an exotic method) must not throw out of the listener.
      res.writeHead(400, { "content-type": "application/json", connection: "close" })
      res.end('{"error":"BadRequest"}')
      return
    }
    handler(request)
      .then(async (response) => {
        const body = Buffer.from(await response.arrayBuffer())
        const out: Record<string, string> = {}
        response.headers.forEach((v, k) => {
          out[k] = v
        })
        if (!req.complete) out.connection = "close"
        res.writeHead(response.status, out)
        res.end(body)
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" })
        res.end('{"error":"internal"}')
      })
  }
