/** A tiny router for the simulators: `:param` patterns, one handler per method + pattern. */
import type { IncomingHttpHeaders } from "node:http"

export interface SimRequest {
  readonly method: string
  readonly path: string
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  /** Parsed JSON, or a record for form bodies, or `undefined`. */
  readonly body: unknown
}

export interface Reply {
  readonly status: number
  readonly body?: unknown
  /** A text body (sent as text/plain) instead of JSON. */
  readonly text?: string
  readonly headers?: Readonly<Record<string, string>>
}

export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  readonly pattern: string
  /** Write/destructive route: honours `Idempotency-Key` (a repeated key is applied once). */
  readonly write?: boolean
  readonly handle: (request: SimRequest) => Reply
}

export interface CompiledRoute extends Route {
  readonly regex: RegExp
  readonly names: ReadonlyArray<string>
}

export const compile = (route: Route): CompiledRoute => {
  const names: Array<string> = []
  const source = route.pattern
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) {
        names.push(segment.slice(1))
        return "([^/]+)"
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    })
    .join("/")
  return { ...route, regex: new RegExp(`^${source}/?$`), names }
}

export const match = (
  routes: ReadonlyArray<CompiledRoute>,
  method: string,
  path: string,
): { readonly route: CompiledRoute; readonly params: Record<string, string> } | undefined => {
  for (const route of routes) {
    if (route.method !== method) continue
    const m = route.regex.exec(path)
    if (m === null) continue
    const params: Record<string, string> = {}
    route.names.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? "")
    })
    return { route, params }
  }
  return undefined
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply =>
  headers === undefined ? { status, body } : { status, body, headers }

export const notFound = (message = "not found"): Reply => ({
  status: 404,
  body: { error: { code: "NotFound", message } },
})

export const badRequest = (message: string): Reply => ({
  status: 400,
  body: { error: { code: "BadRequest", message } },
})

/** Reads a string field from a JSON or form body. */
export const field = (body: unknown, name: string): string | undefined => {
  if (typeof body !== "object" || body === null) return undefined
  const value = (body as Record<string, unknown>)[name]
  return typeof value === "string" ? value : undefined
}
