// Microsoft Sentinel incidents and alerts: ARM REST objects (`Microsoft.SecurityInsights/incidents`,
// `kind: "SecurityAlert"`) and the automation-rule / Logic App incident trigger `{ object: {...} }`
// whose incident carries `properties.relatedEntities`.

import { make, severityFromName } from "../Make.ts"
import { Builder } from "../Observables.ts"
import { arr, firstStr, isRecord, reqStr, reqTime, str, strs } from "../Read.ts"
import type { Normalizer } from "./Normalizer.ts"
import { addEntity } from "./SentinelEntities.ts"

const isIncident = (u: unknown): u is Record<string, unknown> =>
  isRecord(u) &&
  /^Microsoft\.SecurityInsights\/incidents$/i.test(str(u, "type") ?? "") &&
  isRecord(u.properties)

const isAlert = (u: unknown): u is Record<string, unknown> =>
  isRecord(u) && u.kind === "SecurityAlert" && isRecord(u.properties)

const incident = (u: Record<string, unknown>) => {
  const p = u.properties as Record<string, unknown>
  const b = new Builder()
  for (const e of arr(p, "relatedEntities")) addEntity(b, e)
  const title = reqStr(p, "title")
  const alertTactics = arr(p, "alerts").flatMap((a) => strs(a, "properties", "tactics"))
  return make({
    source: "sentinel",
    id: firstStr(u, ["name"]) ?? reqStr(u, "id"),
    time: reqTime(u, ["properties", "createdTimeUtc"], ["properties", "firstActivityTimeUtc"]),
    severity: severityFromName(str(p, "severity")),
    title,
    description: str(p, "description"),
    rule: { name: title, uid: strs(p, "relatedAnalyticRuleIds")[0] },
    vendor: { name: "Microsoft", product: "Microsoft Sentinel" },
    builder: b,
    techniques: strs(p, "additionalData", "techniques"),
    tactics: [...strs(p, "additionalData", "tactics"), ...alertTactics],
    raw: u,
  })
}

const alert = (u: Record<string, unknown>) => {
  const p = u.properties as Record<string, unknown>
  const b = new Builder()
  for (const e of arr(p, "entities")) addEntity(b, e)
  b.host(str(p, "compromisedEntity"))
  const title = firstStr(p, ["alertDisplayName"], ["friendlyName"]) ?? reqStr(p, "alertDisplayName")
  return make({
    source: "sentinel",
    id: firstStr(p, ["systemAlertId"]) ?? reqStr(u, "name"),
    time: reqTime(u, ["properties", "timeGenerated"], ["properties", "startTimeUtc"]),
    severity: severityFromName(str(p, "severity")),
    title,
    description: str(p, "description"),
    rule: { name: firstStr(p, ["alertType"]) ?? title },
    vendor: {
      name: str(p, "vendorName") ?? "Microsoft",
      product: str(p, "productName") ?? "Microsoft Sentinel",
    },
    builder: b,
    techniques: strs(p, "techniques"),
    tactics: strs(p, "tactics"),
    raw: u,
  })
}

export const Sentinel: Normalizer = {
  vendor: "sentinel",
  isItem: (u) => isIncident(u) || isAlert(u) || (isRecord(u) && isIncident(u.object)),
  items: (json) => {
    if (Array.isArray(json)) return json
    if (!isRecord(json)) return undefined
    if (Array.isArray(json.value)) return json.value
    return [json]
  },
  normalizeItem: (u) => {
    if (isIncident(u)) return [incident(u)]
    if (isAlert(u)) return [alert(u)]
    // Automation trigger: keep the whole delivery as raw, normalize the incident inside.
    const a = incident((u as { object: Record<string, unknown> }).object)
    return [{ ...a, raw: u }]
  },
}

/** Entities of a Sentinel "incident entities" response (`{ entities: [...] }`) or an entity array. */
export const sentinelEntities = (json: unknown): Builder | undefined => {
  const list = Array.isArray(json)
    ? json
    : isRecord(json) && Array.isArray(json.entities)
      ? json.entities
      : undefined
  if (list === undefined || !list.every((e) => isRecord(e) && typeof e.kind === "string")) return undefined
  const b = new Builder()
  for (const e of list) addEntity(b, e)
  return b
}
