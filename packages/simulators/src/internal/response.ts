/**
 * Response-side vendors, stateful: Okta user lifecycle, CrowdStrike Falcon host containment and
 * detections, and a generic EDL (external dynamic list) blocklist with TTLs.
 */
import { fixture } from "./fixtures.ts"
import { field, json, type Reply, type Route } from "./router.ts"

// ---------------------------------------------------------------------------------------------
// Okta (user object: recorded; lifecycle answers `{}` as recorded; errors: reference)
// ---------------------------------------------------------------------------------------------

export type OktaStatus = "ACTIVE" | "SUSPENDED" | "DEPROVISIONED" | "LOCKED_OUT"

export interface OktaUser {
  readonly id: string
  readonly login: string
  status: OktaStatus
  sessions: number
}

const oktaError = (status: number, code: string, summary: string, cause?: string): Reply =>
  json(status, {
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: "oae0000000000000000000000",
    errorCauses: cause === undefined ? [] : [{ errorSummary: cause }],
  })

export const okta = () => {
  const users = new Map<string, OktaUser>()
  const seed = (
    list: ReadonlyArray<{ id: string; login: string; status?: OktaStatus; sessions?: number }>,
  ) => {
    users.clear()
    for (const u of list)
      users.set(u.id, { id: u.id, login: u.login, status: u.status ?? "ACTIVE", sessions: u.sessions ?? 1 })
  }
  seed([{ id: "00usfdd3eO3sfObs54x6", login: "John.Doe-Suspend@example.com" }])
  const find = (id: string | undefined) => [...users.values()].find((u) => u.id === id || u.login === id)
  const missing = (id: string | undefined) =>
    oktaError(404, "E0000007", `Not found: Resource not found: ${id} (User)`)
  const transition = (from: OktaStatus, to: OktaStatus, verb: string): Route => ({
    method: "POST",
    pattern: `/api/v1/users/:id/lifecycle/${verb}`,
    write: true,
    handle: ({ params }) => {
      const user = find(params.id)
      if (user === undefined) return missing(params.id)
      if (user.status !== from) {
        return oktaError(
          400,
          "E0000001",
          "Api validation failed: user",
          `Cannot ${verb} a user that is not ${from}`,
        )
      }
      user.status = to
      return json(200, {})
    },
  })
  const routes: ReadonlyArray<Route> = [
    {
      method: "GET",
      pattern: "/api/v1/users/:id",
      handle: ({ params }) => {
        const user = find(params.id)
        if (user === undefined) return missing(params.id)
        const recorded = fixture<Record<string, unknown> & { profile: Record<string, unknown> }>(
          "okta/user.json",
        )
        return json(200, {
          ...recorded,
          id: user.id,
          status: user.status,
          profile: { ...recorded.profile, login: user.login, email: user.login },
        })
      },
    },
    transition("ACTIVE", "SUSPENDED", "suspend"),
    transition("SUSPENDED", "ACTIVE", "unsuspend"),
    {
      method: "DELETE",
      pattern: "/api/v1/users/:id/sessions",
      write: true,
      handle: ({ params }) => {
        const user = find(params.id)
        if (user === undefined) return missing(params.id)
        user.sessions = 0
        return { status: 204 }
      },
    },
  ]
  return { routes, users, seed }
}

// ---------------------------------------------------------------------------------------------
// CrowdStrike Falcon (reference: Falcon API swagger; no recording could be copied)
// ---------------------------------------------------------------------------------------------

export interface FalconHost {
  readonly device_id: string
  readonly hostname: string
  status: "normal" | "contained"
}

const falconMeta = () => ({
  query_time: 0.01,
  powered_by: "device-api",
  trace_id: "00000000-0000-0000-0000-000000000000",
})

export const falcon = () => {
  const hosts = new Map<string, FalconHost>()
  const detections: Array<Record<string, unknown>> = []
  const seed = (list: ReadonlyArray<{ id: string; hostname: string; contained?: boolean }>) => {
    hosts.clear()
    for (const h of list)
      hosts.set(h.id, {
        device_id: h.id,
        hostname: h.hostname,
        status: h.contained === true ? "contained" : "normal",
      })
  }
  seed([{ id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", hostname: "WS-FINANCE-01" }])
  const seedDetections = (
    list: ReadonlyArray<{ id: string; deviceId: string; severity: string; tactic: string }>,
  ) => {
    detections.length = 0
    for (const d of list) {
      const host = hosts.get(d.deviceId)
      detections.push({
        detection_id: d.id,
        device: { device_id: d.deviceId, hostname: host?.hostname ?? "unknown" },
        max_severity_displayname: d.severity,
        status: "new",
        behaviors: [
          {
            tactic: d.tactic,
            technique: "User Execution",
            filename: "invoice.exe",
            cmdline: "invoice.exe /s",
          },
        ],
        first_behavior: "2024-01-01T00:00:00Z",
      })
    }
  }
  seedDetections([
    {
      id: "ldt:0a1b2c3d4e5f60718293a4b5c6d7e8f9:1",
      deviceId: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
      severity: "High",
      tactic: "Execution",
    },
  ])
  const routes: ReadonlyArray<Route> = [
    {
      method: "POST",
      pattern: "/oauth2/token",
      handle: ({ body }) =>
        field(body, "client_id") === undefined || field(body, "client_secret") === undefined
          ? json(401, {
              meta: falconMeta(),
              errors: [{ code: 401, message: "access denied, invalid bearer token" }],
            })
          : json(201, { access_token: "simulated-falcon-token", token_type: "bearer", expires_in: 1799 }),
    },
    {
      method: "POST",
      pattern: "/devices/entities/devices-actions/v2",
      write: true,
      handle: ({ query, body }) => {
        const action = query.get("action_name")
        if (action !== "contain" && action !== "lift_containment") {
          return json(400, {
            meta: falconMeta(),
            resources: [],
            errors: [{ code: 400, message: "invalid action_name" }],
          })
        }
        const ids = (body as { ids?: unknown } | undefined)?.ids
        if (!Array.isArray(ids) || ids.length === 0) {
          return json(400, {
            meta: falconMeta(),
            resources: [],
            errors: [{ code: 400, message: "ids required" }],
          })
        }
        const unknown = ids.filter((id) => !hosts.has(String(id)))
        if (unknown.length > 0) {
          return json(404, {
            meta: falconMeta(),
            resources: [],
            errors: unknown.map((id) => ({ code: 404, message: `Device ${id} not found`, id })),
          })
        }
        for (const id of ids) {
          const host = hosts.get(String(id)) as FalconHost
          host.status = action === "contain" ? "contained" : "normal"
        }
        return json(202, {
          meta: falconMeta(),
          resources: ids.map((id) => ({ id, path: `/devices/entities/devices/v1?ids=${id}` })),
          errors: [],
        })
      },
    },
    {
      method: "GET",
      pattern: "/devices/entities/devices/v2",
      handle: ({ query }) =>
        json(200, {
          meta: falconMeta(),
          resources: query.getAll("ids").flatMap((id) => {
            const h = hosts.get(id)
            return h === undefined ? [] : [{ ...h }]
          }),
          errors: [],
        }),
    },
    {
      method: "GET",
      pattern: "/detects/queries/detects/v1",
      handle: () =>
        json(200, { meta: falconMeta(), resources: detections.map((d) => d.detection_id), errors: [] }),
    },
    {
      method: "POST",
      pattern: "/detects/entities/summaries/GET/v1",
      handle: ({ body }) => {
        const ids = (body as { ids?: unknown } | undefined)?.ids
        const wanted = new Set(Array.isArray(ids) ? ids.map(String) : [])
        return json(200, {
          meta: falconMeta(),
          resources: detections.filter((d) => wanted.has(String(d.detection_id))),
          errors: [],
        })
      },
    },
  ]
  return { routes, hosts, seed, seedDetections }
}

// ---------------------------------------------------------------------------------------------
// EDL blocklist (no vendor: the plain-text list firewalls poll, e.g. PAN-OS External Dynamic Lists)
// ---------------------------------------------------------------------------------------------

export interface EdlEntry {
  readonly value: string
  expiresAt: number | undefined
}

export const edl = (now: () => number) => {
  const entries = new Map<string, EdlEntry>()
  const live = () => [...entries.values()].filter((e) => e.expiresAt === undefined || e.expiresAt > now())
  const routes: ReadonlyArray<Route> = [
    {
      method: "POST",
      pattern: "/edl/entries",
      write: true,
      handle: ({ body }) => {
        const value = field(body, "value")
        if (value === undefined || value.length > 2048 || /\s/.test(value))
          return json(400, { error: "value must be a non-empty token" })
        const ttl = (body as { ttlSeconds?: unknown }).ttlSeconds
        if (ttl !== undefined && (typeof ttl !== "number" || !(ttl > 0)))
          return json(400, { error: "ttlSeconds must be > 0" })
        const previous = entries.get(value)
        const existed =
          previous !== undefined && (previous.expiresAt === undefined || previous.expiresAt > now())
        const entry = { value, expiresAt: ttl === undefined ? undefined : now() + ttl * 1000 }
        entries.set(value, entry)
        return json(existed ? 200 : 201, { value, expiresAt: entry.expiresAt ?? null, created: !existed })
      },
    },
    {
      method: "DELETE",
      pattern: "/edl/entries/:value",
      write: true,
      handle: ({ params }) =>
        entries.delete(params.value ?? "") ? { status: 204 } : json(404, { error: "no such entry" }),
    },
    {
      // JSON view of the live entries, for clients (firewalls poll the text list below).
      method: "GET",
      pattern: "/edl/entries",
      handle: () =>
        json(200, { entries: live().map((e) => ({ value: e.value, expiresAt: e.expiresAt ?? null })) }),
    },
    {
      method: "GET",
      pattern: "/edl/list",
      handle: () => ({
        status: 200,
        text: live()
          .map((e) => `${e.value}\n`)
          .join(""),
      }),
    },
  ]
  return { routes, entries: () => live().map((e) => ({ ...e })) }
}
