// Google SecOps (Chronicle): UDM events (camelCase as in the ingestion API, or snake_case as in
// exports) and Detection Engine detections (`{ type: "RULE_DETECTION", detection: [...],
// collectionElements: [{ references: [{ event }] }] }`).

import { contentId, make, severityFromName, severityFromScore } from "../Make.ts"
import { Builder } from "../Observables.ts"
import { arr, at, isRecord, type Path, reqStr, reqTime, str, strs } from "../Read.ts"
import type { Normalizer } from "./Normalizer.ts"

// Reads `camelCase` or `snake_case` spelling of a UDM field.
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const udm = (u: unknown, ...path: ReadonlyArray<string>): unknown =>
  at(u, ...path) ?? at(u, ...path.map(snake))
const udmStr = (u: unknown, ...path: ReadonlyArray<string>) => str(udm(u, ...path))
const udmStrs = (u: unknown, ...path: ReadonlyArray<string>) => strs(udm(u, ...path))

const isEvent = (u: unknown): u is Record<string, unknown> =>
  isRecord(u) && isRecord(u.metadata) && udmStr(u, "metadata", "eventType") !== undefined
const isDetection = (u: unknown): u is Record<string, unknown> =>
  isRecord(u) && Array.isArray(u.detection) && Array.isArray(udm(u, "collectionElements"))

/** Adds a UDM noun (principal, target, src, observer, intermediary). */
const noun = (b: Builder, n: unknown): void => {
  if (!isRecord(n)) return
  b.host(udmStr(n, "hostname") ?? udmStr(n, "asset", "hostname"), {
    uid: udmStr(n, "assetId") ?? udmStr(n, "asset", "productObjectId"),
    ips: [...udmStrs(n, "ip"), ...udmStrs(n, "asset", "ip")],
  })
  for (const ip of udmStrs(n, "ip")) b.ip(ip)
  for (const mac of [...udmStrs(n, "mac"), ...udmStrs(n, "asset", "mac")]) b.mac(mac)
  const user = udm(n, "user")
  b.user(udmStr(user, "userid") ?? udmStr(user, "userDisplayName"), {
    uid: udmStr(user, "productObjectId"),
    email: udmStrs(user, "emailAddresses")[0],
    displayName: udmStr(user, "userDisplayName"),
  })
  const proc = udm(n, "process")
  b.process({
    pid: udmStr(proc, "pid"),
    path: udmStr(proc, "file", "fullPath"),
    commandLine: udmStr(proc, "commandLine"),
  })
  const file = udm(n, "file")
  b.file({
    path: udmStr(file, "fullPath"),
    hashes: [udmStr(file, "sha256"), udmStr(file, "sha1"), udmStr(file, "md5")],
  })
  b.url(udmStr(n, "url"))
  b.domain(udmStr(n, "hostname") !== undefined ? undefined : udmStr(n, "domain", "name"))
}

const eventParts = (b: Builder, e: unknown): void => {
  for (const role of ["principal", "target", "src", "observer", "intermediary", "about"]) {
    for (const n of arr(udm(e, role))) noun(b, n)
  }
  b.domain(
    udmStr(e, "network", "dnsQuestion", "name") ?? udmStr(e, "network", "dns", "questions", "0", "name"),
  )
}

const event = (e: Record<string, unknown>) => {
  const b = new Builder()
  eventParts(b, e)
  const results = arr(udm(e, "securityResult"))
  const first = results[0]
  const eventType = udmStr(e, "metadata", "eventType") ?? "EVENT"
  const title =
    udmStr(first, "summary") ?? udmStr(first, "ruleName") ?? udmStr(e, "metadata", "description") ?? eventType
  const timePaths: ReadonlyArray<Path> = [
    ["metadata", "eventTimestamp"],
    ["metadata", "event_timestamp"],
  ]
  return make({
    source: "google-secops",
    id: udmStr(e, "metadata", "id") ?? udmStr(e, "metadata", "productLogId") ?? contentId(e),
    time: reqTime(e, ...timePaths),
    severity: severityFromName(udmStr(first, "severity")),
    title,
    description: udmStr(first, "description") ?? udmStr(e, "metadata", "description"),
    rule: { name: udmStr(first, "ruleName") ?? eventType, uid: udmStr(first, "ruleId") },
    vendor: {
      name: udmStr(e, "metadata", "vendorName") ?? "Google",
      product: udmStr(e, "metadata", "productName") ?? "Google SecOps",
    },
    builder: b,
    techniques: results.flatMap((r) =>
      udmStrs(r, "attackDetails", "techniques").concat(
        arr(udm(r, "attackDetails", "techniques")).flatMap((t) => str(t, "id") ?? []),
      ),
    ),
    raw: e,
  })
}

const detection = (d: Record<string, unknown>) => {
  const b = new Builder()
  for (const el of arr(udm(d, "collectionElements"))) {
    for (const ref of arr(el, "references")) eventParts(b, at(ref, "event"))
  }
  const det = arr(d, "detection")[0]
  const title = udmStr(det, "ruleName") ?? reqStr(det, "ruleName")
  const risk = udm(det, "riskScore")
  return make({
    source: "google-secops",
    id: reqStr(d, "id"),
    time: reqTime(d, ["createdTime"], ["detectionTime"], ["created_time"]),
    severity:
      udmStr(det, "severity") !== undefined
        ? severityFromName(udmStr(det, "severity"))
        : typeof risk === "number"
          ? severityFromScore(risk)
          : "unknown",
    title,
    description: udmStr(det, "description"),
    rule: { name: title, uid: udmStr(det, "ruleId") },
    vendor: { name: "Google", product: "Google SecOps" },
    builder: b,
    techniques: arr(udm(det, "ruleLabels")).flatMap((l) =>
      /technique/i.test(str(l, "key") ?? "") ? (str(l, "value") ?? []) : [],
    ),
    raw: d,
  })
}

export const GoogleSecOps: Normalizer = {
  vendor: "google-secops",
  isItem: (u) => isEvent(u) || isDetection(u),
  items: (json) => {
    if (Array.isArray(json)) return json
    if (!isRecord(json)) return undefined
    for (const k of ["events", "detections"])
      if (Array.isArray(json[k])) return json[k] as ReadonlyArray<unknown>
    return [json]
  },
  normalizeItem: (u) => (isDetection(u) ? [detection(u)] : [event(u as Record<string, unknown>)]),
}

/** Entities of a SecOps entity-context payload (`[{ metadata: { entity_type }, entity: {...} }]`). */
export const secOpsEntities = (json: unknown): Builder | undefined => {
  const list = Array.isArray(json)
    ? json
    : isRecord(json) && Array.isArray(json.entities)
      ? json.entities
      : undefined
  if (list === undefined || !list.every((e) => isRecord(e) && isRecord(e.entity) && isRecord(e.metadata))) {
    return undefined
  }
  const b = new Builder()
  for (const e of list) noun(b, (e as Record<string, unknown>).entity)
  return b
}
