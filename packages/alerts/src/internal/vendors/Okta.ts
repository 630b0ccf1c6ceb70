// Okta System Log events (`/api/v1/logs`, event hooks deliver them under `data.events`).

import { make, severityFromName } from "../Make.ts"
import { Builder } from "../Observables.ts"
import { arr, firstStr, isRecord, reqStr, reqTime, str } from "../Read.ts"
import type { Normalizer } from "./Normalizer.ts"

const isItem = (u: unknown): u is Record<string, unknown> =>
  isRecord(u) &&
  typeof u.uuid === "string" &&
  typeof u.eventType === "string" &&
  typeof u.published === "string"

/** An Okta actor/target of type User: `alternateId` is the login (usually an e-mail). */
const principal = (b: Builder, p: unknown): void => {
  const type = str(p, "type")
  if (type !== "User") return
  const login = firstStr(p, ["alternateId"], ["displayName"])
  b.user(login, { uid: str(p, "id"), displayName: str(p, "displayName") })
}

export const Okta: Normalizer = {
  vendor: "okta",
  isItem,
  items: (json) => {
    if (Array.isArray(json)) return json
    if (!isRecord(json)) return undefined
    const hook = isRecord(json.data) ? json.data.events : undefined
    return Array.isArray(hook) ? hook : [json]
  },
  normalizeItem: (u) => {
    const e = u as Record<string, unknown>
    const b = new Builder()
    principal(b, e.actor)
    for (const t of arr(e, "target")) principal(b, t)
    b.ip(str(e, "client", "ipAddress"), {
      country: str(e, "client", "geographicalContext", "country"),
      city: str(e, "client", "geographicalContext", "city"),
    })
    for (const hop of arr(e, "request", "ipChain")) {
      b.ip(str(hop, "ip"), {
        country: str(hop, "geographicalContext", "country"),
        city: str(hop, "geographicalContext", "city"),
      })
    }
    const eventType = reqStr(e, "eventType")
    const outcome = str(e, "outcome", "result")
    const reason = str(e, "outcome", "reason")
    return [
      make({
        source: "okta",
        id: reqStr(e, "uuid"),
        time: reqTime(e, ["published"]),
        severity: severityFromName(str(e, "severity")),
        title: str(e, "displayMessage") ?? eventType,
        description:
          outcome !== undefined ? `${eventType}: ${outcome}${reason ? ` (${reason})` : ""}` : undefined,
        rule: { name: eventType },
        vendor: { name: "Okta", product: "Okta System Log" },
        builder: b,
        raw: e,
      }),
    ]
  },
}
