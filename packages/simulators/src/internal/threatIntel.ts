/**
 * Threat-intelligence vendors: read-mostly, stateless except for submissions.
 * Recorded shapes come from fixtures/; shapes marked "reference" were written from the vendor's
 * published API reference (see fixtures/README.md).
 */
import { createHash } from "node:crypto"
import { fixture } from "./fixtures.ts"
import { badRequest, field, json, type Route } from "./router.ts"

/** Identifiers the simulators treat as unknown to the vendor (→ 404 / "no_results"). */
export const unknownIndicator = "unknown.invalid"

const vtNotFound = (id: string) =>
  json(404, { error: { code: "NotFoundError", message: `Resource "${id}" not found` } })

/** A verdict the VirusTotal simulator answers for a seeded indicator. */
export type SeededVerdict = "malicious" | "suspicious" | "benign"

const seededStats: Record<
  SeededVerdict,
  { harmless: number; malicious: number; suspicious: number; undetected: number; timeout: number }
> = {
  malicious: { harmless: 58, malicious: 12, suspicious: 2, undetected: 20, timeout: 0 },
  suspicious: { harmless: 70, malicious: 1, suspicious: 3, undetected: 18, timeout: 0 },
  benign: { harmless: 72, malicious: 0, suspicious: 0, undetected: 20, timeout: 0 },
}

/**
 * Seeded reputations: indicator value (URL, domain, hash, IP) → verdict. Unseeded indicators
 * get the recorded fixture as it is (whose engines flag it).
 */
export const reputation = () => {
  const verdicts = new Map<string, SeededVerdict>()
  return {
    set: (value: string, verdict: SeededVerdict) => void verdicts.set(value, verdict),
    get: (value: string) => verdicts.get(value),
    clear: () => verdicts.clear(),
  }
}
export type Reputation = ReturnType<typeof reputation>

/** VirusTotal's URL identifier is the unpadded base64url of the URL. */
const urlFromId = (id: string): string => {
  try {
    return Buffer.from(id, "base64url").toString("utf8")
  } catch {
    return id
  }
}

const withId = (path: string, id: string, seeded?: SeededVerdict) => {
  const body = fixture<{ data: { id: string; attributes?: Record<string, unknown> } }>(path)
  body.data.id = id
  if (seeded !== undefined && body.data.attributes)
    body.data.attributes.last_analysis_stats = { ...seededStats[seeded] }
  return json(200, body)
}

/** VirusTotal API v3, under `/api/v3`. */
export const virustotal = (rep: Reputation): ReadonlyArray<Route> => [
  {
    method: "GET",
    pattern: "/api/v3/files/:id",
    handle: ({ params }) =>
      params.id === unknownIndicator
        ? vtNotFound(params.id)
        : withId("virustotal/private_file.json", params.id ?? "", rep.get(params.id ?? "")),
  },
  {
    method: "GET",
    pattern: "/api/v3/urls/:id",
    handle: ({ params }) =>
      params.id === unknownIndicator
        ? vtNotFound(params.id)
        : withId(
            "virustotal/url.json",
            params.id ?? "",
            rep.get(urlFromId(params.id ?? "")) ?? rep.get(params.id ?? ""),
          ),
  },
  {
    method: "GET",
    pattern: "/api/v3/domains/:domain",
    handle: ({ params }) =>
      params.domain === unknownIndicator
        ? vtNotFound(params.domain)
        : withId("virustotal/domain.json", params.domain ?? "", rep.get(params.domain ?? "")),
  },
  {
    // reference shape (fixtures/virustotal/ip_address.json): https://docs.virustotal.com/reference/ip-info
    method: "GET",
    pattern: "/api/v3/ip_addresses/:ip",
    handle: ({ params }) =>
      params.ip === unknownIndicator
        ? vtNotFound(params.ip)
        : withId("virustotal/ip_address.json", params.ip ?? "", rep.get(params.ip ?? "")),
  },
  {
    // reference: https://docs.virustotal.com/reference/scan-url
    method: "POST",
    pattern: "/api/v3/urls",
    write: true,
    handle: ({ body }) => {
      const url = field(body, "url")
      if (url === undefined) return badRequest("url is required")
      // reference shape (fixtures/virustotal/url_submission.json), id derived from the URL
      const id = `u-${createHash("sha256").update(url).digest("hex")}-1700000000`
      const reply = fixture<{ data: { id: string; links: { self: string } } }>(
        "virustotal/url_submission.json",
      )
      reply.data.id = id
      reply.data.links.self = `https://www.virustotal.com/api/v3/analyses/${id}`
      return json(200, reply)
    },
  },
]

/** urlscan.io, under `/api/v1`. */
export const urlscan: ReadonlyArray<Route> = [
  {
    // reference: https://urlscan.io/docs/api/#submission
    method: "POST",
    pattern: "/api/v1/scan",
    write: true,
    handle: ({ body }) => {
      const url = field(body, "url")
      if (url === undefined) return json(400, { message: "Missing URL properties", status: 400 })
      const uuid = "0e37e828-a9d9-45c0-ac50-1ca579b86c72"
      return json(200, {
        message: "Submission successful",
        uuid,
        result: `https://urlscan.io/result/${uuid}/`,
        api: `https://urlscan.io/api/v1/result/${uuid}/`,
        visibility: field(body, "visibility") ?? "public",
        options: { useragent: "Mozilla/5.0" },
        url,
        country: "de",
      })
    },
  },
  {
    method: "GET",
    pattern: "/api/v1/result/:uuid",
    handle: ({ params }) =>
      params.uuid === unknownIndicator
        ? json(404, { message: "Scan is not finished yet or does not exist", status: 404 })
        : json(200, fixture("urlscan/result_capitalne.json")),
  },
]

/** URLhaus, under `/v1` (form-encoded POSTs). */
export const urlhaus: ReadonlyArray<Route> = [
  {
    method: "POST",
    pattern: "/v1/url",
    handle: ({ body }) => {
      const url = field(body, "url")
      if (url === undefined) return json(200, { query_status: "invalid_url" })
      if (url.includes(unknownIndicator)) return json(200, { query_status: "no_results" })
      return json(200, fixture("urlhaus/url_command.json"))
    },
  },
  {
    method: "POST",
    pattern: "/v1/host",
    handle: ({ body }) => {
      const host = field(body, "host")
      if (host === undefined) return json(200, { query_status: "invalid_host" })
      if (host === unknownIndicator) return json(200, { query_status: "no_results" })
      return json(200, fixture("urlhaus/domain_command.json"))
    },
  },
]

/** AbuseIPDB API v2. Reference: https://docs.abuseipdb.com/#check-endpoint (no recording). */
export const abuseipdb: ReadonlyArray<Route> = [
  {
    method: "GET",
    pattern: "/api/v2/check",
    handle: ({ query }) => {
      const ip = query.get("ipAddress")
      if (ip === null || ip === "") {
        return json(422, { errors: [{ detail: "The ip address field is required.", status: 422 }] })
      }
      return json(200, {
        data: {
          ipAddress: ip,
          isPublic: true,
          ipVersion: ip.includes(":") ? 6 : 4,
          isWhitelisted: false,
          abuseConfidenceScore: 87,
          countryCode: "US",
          usageType: "Data Center/Web Hosting/Transit",
          isp: "Example Hosting",
          domain: "example.net",
          hostnames: [],
          isTor: false,
          totalReports: 42,
          numDistinctUsers: 17,
          lastReportedAt: "2024-01-01T00:00:00+00:00",
        },
      })
    },
  },
]

/**
 * MISP REST API. restSearch/add-attribute bodies use the recorded attribute shape. Added
 * attributes and sightings are kept: a restSearch scoped to an event (`eventid`) answers from
 * the added attributes, and `/sightings/restSearch/:context` finds sightings by `source`
 * (reference: https://www.misp-project.org/openapi/#tag/Sightings), so connectors can
 * reconcile before adding.
 */
export const misp = (): ReadonlyArray<Route> => {
  let nextAttributeId = 1000
  let nextSightingId = 500
  const attributes: Array<Record<string, unknown>> = []
  const sightings: Array<Record<string, unknown>> = []
  const recordedAttribute = () =>
    (fixture<{ Attribute: Array<Record<string, unknown>> }>("misp/attribute.json").Attribute[0] ??
      {}) as Record<string, unknown>
  return [
    {
      method: "POST",
      pattern: "/attributes/restSearch",
      handle: ({ body }) => {
        const value = field(body, "value")
        if (value === unknownIndicator) return json(200, { response: { Attribute: [] } })
        const eventId = field(body, "eventid")
        if (eventId !== undefined) {
          const type = field(body, "type")
          const found = attributes.filter(
            (a) =>
              a.event_id === eventId &&
              (value === undefined || a.value === value) &&
              (type === undefined || a.type === type),
          )
          return json(200, { response: { Attribute: found } })
        }
        const attribute = {
          ...recordedAttribute(),
          id: "991",
          event_id: "12",
          ...(value === undefined ? {} : { value }),
        }
        return json(200, { response: { Attribute: [attribute] } })
      },
    },
    {
      method: "POST",
      pattern: "/attributes/add/:eventId",
      write: true,
      handle: ({ params, body }) => {
        const value = field(body, "value")
        const type = field(body, "type")
        if (value === undefined || type === undefined)
          return json(403, { name: "Could not add Attribute", errors: {} })
        if (attributes.some((a) => a.event_id === params.eventId && a.value === value && a.type === type)) {
          // What MISP answers for a duplicate value in one event.
          return json(403, {
            name: "Could not add Attribute",
            message: "Could not add Attribute",
            errors: { value: ["A similar attribute already exists for this event."] },
          })
        }
        const id = String(nextAttributeId++)
        const attribute = { ...recordedAttribute(), ...(body as object), id, event_id: params.eventId }
        attributes.push(attribute)
        return json(200, { Attribute: attribute })
      },
    },
    {
      method: "POST",
      pattern: "/sightings/add",
      write: true,
      handle: ({ body }) => {
        const recorded = fixture<Record<string, unknown>>("misp/sighting.json")
        const sighting = {
          ...recorded,
          ...(typeof body === "object" && body !== null ? body : {}),
          id: String(nextSightingId++),
        }
        sightings.push(sighting)
        return json(200, { Sighting: sighting })
      },
    },
    {
      // reference: https://www.misp-project.org/openapi/#tag/Sightings/operation/restSearchSightings
      method: "POST",
      pattern: "/sightings/restSearch/:context",
      handle: ({ body }) => {
        const source = field(body, "source")
        const value = field(body, "value")
        const found = sightings.filter(
          (s) => (source === undefined || s.source === source) && (value === undefined || s.value === value),
        )
        return json(200, { response: found.map((s) => ({ Sighting: s })) })
      },
    },
  ]
}
