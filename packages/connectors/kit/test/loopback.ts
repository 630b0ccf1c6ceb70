// A loopback HTTP server for tests: each test sets the handler; every request is recorded.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

export interface Loopback {
  readonly url: string
  readonly host: string
  readonly requests: Array<Recorded>
  handler: (req: Recorded, res: ServerResponse) => void
}

export const loopback = Effect.acquireRelease(
  Effect.promise(async () => {
    const state: Partial<Loopback> & { requests: Array<Recorded> } = {
      requests: [],
      handler: (_req, res) => res.writeHead(200).end("{}"),
    }
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const recorded = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }
        state.requests.push(recorded)
        state.handler?.(recorded, res)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const port = (server.address() as AddressInfo).port
    Object.assign(state, { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` })
    return { state: state as Loopback, server }
  }),
  ({ server }) =>
    Effect.promise(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    ),
).pipe(Effect.map(({ state }) => state))

export const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body))
