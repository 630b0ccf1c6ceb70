/**
 * Triage scoring: per-observable verdicts from the enrichment results, and the case severity
 * from the worst verdict and the criticality of the assets the alert touches.
 */
import type { Alert } from "@riposte/alerts"
import { AbuseIpDbSchemas } from "@riposte/connector-abuseipdb"
import { UrlHausSchemas } from "@riposte/connector-urlhaus"
import { VirusTotalSchemas } from "@riposte/connector-virustotal"
import type { Connector, Playbook } from "@riposte/core"

export type Verdict = "malicious" | "suspicious" | "benign" | "unknown"
export type Criticality = "low" | "medium" | "high" | "critical"
export type Severity = "informational" | "low" | "medium" | "high" | "critical"

/** An enrichment key: `<source>|<type>|<value>`. */
export const key = (source: string, type: string, value: string) => `${source}|${type}|${value}`

const rank: Record<Verdict, number> = { unknown: 0, benign: 1, suspicious: 2, malicious: 3 }
/** The worse of two verdicts. */
export const worst = (a: Verdict, b: Verdict): Verdict => (rank[b] > rank[a] ? b : a)

/** Reads one enrichment result with its connector's own assessment. */
export const assess = (
  source: string,
  type: string,
  outcome: Playbook.Outcome<unknown>,
): Connector.Assessment => {
  if (outcome._tag === "Failure")
    return { verdict: "unknown", summary: `lookup failed (${outcome.error.reason._tag})` }
  const v = outcome.value as never
  switch (source) {
    case "abuseipdb":
      return AbuseIpDbSchemas.assess(v)
    case "urlhaus":
      return type === "url" ? UrlHausSchemas.assessUrl(v) : UrlHausSchemas.assessHost(v)
    default:
      return VirusTotalSchemas.assessStats(
        (v as { data: { attributes: { last_analysis_stats?: typeof VirusTotalSchemas.AnalysisStats.Type } } })
          .data.attributes.last_analysis_stats,
      )
  }
}

export interface Indicator {
  readonly type: string
  readonly value: string
  readonly verdict: Verdict
  readonly reasons: ReadonlyArray<string>
}

/** Folds the enrichment results per observable (worst verdict wins, every reason kept). */
export const indicators = (results: Readonly<Record<string, Playbook.Outcome<unknown>>>) => {
  const byValue = new Map<string, { type: string; value: string; verdict: Verdict; reasons: Array<string> }>()
  for (const [k, outcome] of Object.entries(results)) {
    const [source = "", type = "", ...rest] = k.split("|")
    const value = rest.join("|")
    const a = assess(source, type, outcome)
    const entry = byValue.get(`${type}|${value}`) ?? {
      type,
      value,
      verdict: "unknown" as Verdict,
      reasons: [],
    }
    entry.verdict = worst(entry.verdict, a.verdict)
    entry.reasons.push(`${source}: ${a.verdict}${a.summary ? ` (${a.summary})` : ""}`)
    byValue.set(`${type}|${value}`, entry)
  }
  return [...byValue.values()] as ReadonlyArray<Indicator>
}

const severityOrder: ReadonlyArray<Severity> = ["informational", "low", "medium", "high", "critical"]

/**
 * Severity from the worst verdict and the most critical asset involved: a malicious indicator on
 * a critical asset is critical; on a low-criticality asset high. Never below the vendor's own
 * severity (an unknown vendor severity counts as low).
 */
export const severity = (verdict: Verdict, asset: Criticality | null, vendor: Alert.Severity): Severity => {
  const boost = asset === "critical" ? 2 : asset === "high" ? 1 : 0
  const base = verdict === "malicious" ? 3 : verdict === "suspicious" ? 2 : 1
  const fromVerdict =
    severityOrder[Math.min(4, base + (verdict === "malicious" || verdict === "suspicious" ? boost : 0))]!
  const fromVendor: Severity = vendor === "unknown" ? "low" : vendor
  return severityOrder.indexOf(fromVerdict) >= severityOrder.indexOf(fromVendor) ? fromVerdict : fromVendor
}

const criticalityOrder: ReadonlyArray<Criticality> = ["low", "medium", "high", "critical"]
/** The most critical asset of the alert in the inventory, or null when none is known. */
export const assetCriticality = (
  alert: Alert.Alert,
  inventory: Readonly<Record<string, Criticality>>,
): { readonly asset: string; readonly criticality: Criticality } | null => {
  let best: { asset: string; criticality: Criticality } | null = null
  for (const host of alert.entities.hosts) {
    for (const name of [host.name, host.uid, ...host.ips]) {
      if (name === undefined) continue
      const c = Object.hasOwn(inventory, name.toLowerCase()) ? inventory[name.toLowerCase()] : undefined
      if (
        c !== undefined &&
        (best === null || criticalityOrder.indexOf(c) > criticalityOrder.indexOf(best.criticality))
      )
        best = { asset: name.toLowerCase(), criticality: c }
    }
  }
  return best
}
