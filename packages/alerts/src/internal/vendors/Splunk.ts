// Splunk Enterprise Security notable events (search results or `index=notable` events), and the
// Splunk webhook alert action payload `{ sid, search_name, result: {...} }`.

import { contentId, make, severityFromName } from "../Make.ts"
import { Builder } from "../Observables.ts"
import { firstStr, isRecord, reqTime, str, strs } from "../Read.ts"
import type { Normalizer } from "./Normalizer.ts"

const isNotable = (u: unknown): boolean =>
  isRecord(u) &&
  "_time" in u &&
  (u.index === "notable" || typeof u.rule_name === "string" || typeof u.search_name === "string")

const isWebhook = (u: unknown): boolean =>
  isRecord(u) && typeof u.search_name === "string" && typeof u.sid === "string" && isRecord(u.result)

const notable = (n: Record<string, unknown>, raw: unknown, webhook?: Record<string, unknown>) => {
  const b = new Builder()
  for (const f of ["dest", "src", "dvc", "orig_host", "dest_nt_host", "src_nt_host", "dest_dns", "src_dns"]) {
    b.host(str(n, f))
  }
  for (const f of ["dest_ip", "src_ip"]) b.ip(str(n, f))
  b.host(str(n, "dest"), { ips: [str(n, "dest_ip")] })
  b.host(str(n, "src"), { ips: [str(n, "src_ip")] })
  for (const f of ["user", "src_user", "dest_user", "target_user"]) b.user(str(n, f))
  for (const f of ["file_hash", "file_hash_sha256", "file_hash_md5", "file_hash_sha1"]) b.hash(str(n, f))
  b.file({ name: str(n, "file_name"), path: str(n, "file_path") })
  b.process({ name: str(n, "process_name"), commandLine: str(n, "process") })
  b.url(str(n, "url"))
  b.domain(str(n, "query"))
  for (const f of strs(n, "recipient")) b.email(f)
  b.email(str(n, "sender"))

  const ruleName =
    firstStr(n, ["search_name"], ["rule_name"], ["source"]) ?? firstStr(webhook, ["search_name"])
  const title = firstStr(n, ["rule_title"], ["rule_name"], ["search_name"]) ?? ruleName
  // ES identifies a notable by event_id; when absent (plain search results) the content is the id.
  const id = firstStr(n, ["event_id"]) ?? contentId(n)
  return make({
    source: "splunk",
    id,
    time: reqTime(n, ["_time"], ["_indextime"]),
    severity: severityFromName(firstStr(n, ["urgency"], ["severity"])),
    title: title ?? "Splunk notable event",
    description: firstStr(n, ["rule_description"], ["description"]),
    rule: { name: ruleName ?? title ?? "Splunk notable event", uid: firstStr(n, ["savedsearch_name"]) },
    vendor: { name: "Splunk", product: "Splunk Enterprise Security" },
    builder: b,
    techniques: strs(n, "annotations.mitre_attack"),
    raw,
  })
}

export const Splunk: Normalizer = {
  vendor: "splunk",
  isItem: (u) => isNotable(u) || isWebhook(u),
  items: (json) =>
    Array.isArray(json) ? json : isRecord(json) && Array.isArray(json.results) ? json.results : [json],
  normalizeItem: (u) => {
    const item = u as Record<string, unknown>
    if (isWebhook(item)) return [notable(item.result as Record<string, unknown>, item, item)]
    return [notable(item, item)]
  },
}
