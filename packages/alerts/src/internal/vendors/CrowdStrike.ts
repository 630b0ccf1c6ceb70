// CrowdStrike Falcon: incident behaviors (`behavior_id`), detections (`detection_id` with nested
// `behaviors` and `device`) and alerts v2 (`composite_id`), single or in `{ resources: [...] }`.

import { make, severityFromName, severityFromScore } from "../Make.ts"
import { Builder } from "../Observables.ts"
import { arr, at, firstStr, isRecord, reqStr, reqTime, str } from "../Read.ts"
import type { Normalizer } from "./Normalizer.ts"

const has = (u: unknown, k: string): boolean => isRecord(u) && typeof u[k] === "string"

const severity = (u: unknown) => {
  const name = firstStr(u, ["max_severity_displayname"], ["severity_name"])
  if (name !== undefined) return severityFromName(name)
  const score = at(u, "max_severity") ?? at(u, "severity")
  return typeof score === "number" ? severityFromScore(score) : "unknown"
}

/** Adds what one behavior (or an alert v2, which has the same fields) reveals. */
const behavior = (b: Builder, x: unknown): void => {
  b.user(str(x, "user_name"), { domain: str(x, "domain"), uid: str(x, "user_id") })
  b.process({
    name: str(x, "filename"),
    path: str(x, "filepath"),
    commandLine: str(x, "cmdline"),
  })
  b.file({ name: str(x, "filename"), path: str(x, "filepath"), hashes: [str(x, "sha256"), str(x, "md5")] })
  b.process({ commandLine: str(x, "parent_details", "parent_cmdline") })
  b.hash(str(x, "parent_details", "parent_sha256"))
}

const device = (b: Builder, d: unknown): void => {
  b.host(str(d, "hostname"), {
    uid: str(d, "device_id"),
    ips: [str(d, "local_ip"), str(d, "external_ip")],
    os: str(d, "platform_name"),
  })
}

const common = (u: Record<string, unknown>) => ({
  source: "crowdstrike" as const,
  vendor: { name: "CrowdStrike", product: "Falcon" },
  raw: u,
})

export const CrowdStrike: Normalizer = {
  vendor: "crowdstrike",
  isItem: (u) => has(u, "behavior_id") || has(u, "detection_id") || has(u, "composite_id"),
  items: (json) => {
    if (Array.isArray(json)) return json
    if (!isRecord(json)) return undefined
    return Array.isArray(json.resources) ? json.resources : [json]
  },
  normalizeItem: (u) => {
    const item = u as Record<string, unknown>
    const b = new Builder()
    if (has(item, "detection_id")) {
      device(b, item.device)
      const behaviors = arr(item, "behaviors")
      for (const x of behaviors) behavior(b, x)
      const first = behaviors[0]
      const title = firstStr(first, ["display_name"], ["scenario"]) ?? `Detection ${item.detection_id}`
      return [
        make({
          ...common(item),
          id: reqStr(item, "detection_id"),
          time: reqTime(item, ["created_timestamp"], ["first_behavior"]),
          severity: severity(item),
          title,
          description: str(first, "description"),
          rule: { name: title, uid: str(first, "pattern_id") },
          builder: b,
          techniques: behaviors.flatMap((x) => str(x, "technique_id") ?? []),
          tactics: behaviors.flatMap((x) => str(x, "tactic") ?? []),
        }),
      ]
    }
    // Behaviors and alerts v2 share their field names.
    device(b, item.device)
    b.host(str(item, "hostname"), { uid: str(item, "aid") })
    if (str(item, "hostname") === undefined) b.host(undefined, { uid: str(item, "aid") })
    behavior(b, item)
    const title = firstStr(item, ["display_name"], ["name"], ["scenario"]) ?? reqStr(item, "display_name")
    return [
      make({
        ...common(item),
        id: firstStr(item, ["composite_id"]) ?? reqStr(item, "behavior_id"),
        time: reqTime(item, ["timestamp"], ["created_timestamp"]),
        severity: severity(item),
        title,
        description: str(item, "description"),
        rule: { name: title, uid: str(item, "pattern_id") },
        builder: b,
        techniques: [str(item, "technique_id") ?? ""],
        tactics: [str(item, "tactic") ?? ""].filter((t) => t !== ""),
      }),
    ]
  },
}
