// Microsoft Defender for Cloud (Security Center) alerts: `Microsoft.Security/Locations/alerts`
// ARM objects, single or in a `{ value: [...] }` list.

import { make, severityFromName } from "../Make.ts"
import { Builder } from "../Observables.ts"
import { arr, firstStr, isRecord, reqStr, reqTime, str, strs } from "../Read.ts"
import type { Normalizer } from "./Normalizer.ts"
import { addEntity } from "./SentinelEntities.ts"

const isItem = (u: unknown): u is Record<string, unknown> =>
  isRecord(u) &&
  /^Microsoft\.Security\/Locations\/alerts$/i.test(str(u, "type") ?? "") &&
  isRecord(u.properties)

export const DefenderForCloud: Normalizer = {
  vendor: "defender-for-cloud",
  isItem,
  items: (json) => {
    if (Array.isArray(json)) return json
    if (!isRecord(json)) return undefined
    return Array.isArray(json.value) ? json.value : [json]
  },
  normalizeItem: (u) => {
    const item = u as Record<string, unknown>
    const p = item.properties as Record<string, unknown>
    const b = new Builder()
    for (const e of arr(p, "entities")) addEntity(b, e)
    b.host(str(p, "compromisedEntity"))
    const title = reqStr(p, "alertDisplayName")
    return [
      make({
        source: "defender-for-cloud",
        // The ARM resource id is unique per alert; `systemAlertId` is reused across examples.
        id: reqStr(item, "id"),
        time: reqTime(item, ["properties", "timeGeneratedUtc"], ["properties", "startTimeUtc"]),
        severity: severityFromName(str(p, "severity")),
        title,
        description: str(p, "description"),
        rule: { name: firstStr(p, ["alertType"]) ?? title },
        vendor: { name: str(p, "vendorName") ?? "Microsoft", product: "Microsoft Defender for Cloud" },
        builder: b,
        techniques: [...strs(p, "techniques"), ...strs(p, "subTechniques")],
        tactics: (str(p, "intent") ?? "")
          .split(",")
          .map((t) => t.trim())
          .filter((t) => t !== "" && t !== "Unknown"),
        raw: item,
      }),
    ]
  },
}
