/**
 * The phishing verdict: the worst verdict across every indicator and signal, with the reasons
 * that produced it kept for the case.
 */

import { VirusTotalSchemas } from "@riposte/connector-virustotal"
import type { Playbook } from "@riposte/core"
import type { Analysis } from "@riposte/email"

const { assessStats } = VirusTotalSchemas

export type Verdict = "malicious" | "inconclusive" | "benign"

export interface Judgement {
  readonly verdict: Verdict
  readonly reasons: ReadonlyArray<string>
  /** Per-indicator verdicts, for the case's observables. */
  readonly indicators: ReadonlyArray<{
    readonly type: "url" | "domain" | "sha256" | "email" | "ipv4"
    readonly value: string
    readonly verdict: "malicious" | "suspicious" | "benign" | "unknown"
  }>
}

interface Stats {
  readonly harmless: number
  readonly malicious: number
  readonly suspicious: number
  readonly undetected: number
}

/** An enrichment result: a VirusTotal report envelope, or the typed failure of its lookup. */
export type Lookup = Playbook.Outcome<{
  readonly data: {
    readonly attributes: {
      readonly last_analysis_stats?: Stats | undefined
      readonly creation_date?: number | undefined
    }
  }
}>

/** Domains younger than this are suspicious on their own. */
export const youngDomainDays = 30

/**
 * Judges an analysed email from its enrichment results.
 *
 * `lookups` maps a key `"<type>:<value>"` to its result; `now` is the trigger's report time
 * (deterministic: never the wall clock inside a workflow body).
 */
export const judge = (
  analysis: Analysis.Analysis,
  lookups: Readonly<Record<string, Lookup>>,
  now: number,
): Judgement => {
  const reasons: Array<string> = []
  const indicators: Array<Judgement["indicators"][number]> = []
  let malicious = false
  let suspicious = false
  let failed = false
  for (const [key, lookup] of Object.entries(lookups)) {
    const at = key.indexOf(":")
    const type = key.slice(0, at) as Judgement["indicators"][number]["type"]
    const value = key.slice(at + 1)
    if (lookup._tag === "Failure") {
      if (lookup.error.reason._tag === "NotFound") {
        indicators.push({ type, value, verdict: "unknown" })
        continue
      }
      failed = true
      reasons.push(`${type} ${value}: lookup failed (${lookup.error.reason._tag})`)
      indicators.push({ type, value, verdict: "unknown" })
      continue
    }
    const attributes = lookup.value.data.attributes
    const assessed = assessStats(attributes.last_analysis_stats)
    let verdict = assessed.verdict
    if (verdict === "malicious") {
      malicious = true
      reasons.push(`${type} ${value}: ${assessed.summary}`)
    } else if (verdict === "suspicious") {
      suspicious = true
      reasons.push(`${type} ${value}: ${assessed.summary}`)
    }
    if (type === "domain" && attributes.creation_date !== undefined) {
      const ageDays = (now - attributes.creation_date * 1000) / 86_400_000
      if (ageDays >= 0 && ageDays < youngDomainDays) {
        suspicious = true
        if (verdict === "benign" || verdict === "unknown") verdict = "suspicious"
        reasons.push(`domain ${value}: registered ${Math.floor(ageDays)} days ago`)
      }
    }
    indicators.push({ type, value, verdict })
  }
  for (const signal of analysis.signals) {
    if (
      signal.kind === "AuthenticationFailure" ||
      signal.kind === "RiskyAttachment" ||
      signal.kind === "DisplayNameBrandMismatch"
    ) {
      suspicious = true
      reasons.push(`${signal.kind}: ${signal.detail}`)
    }
  }
  const verdict: Verdict = malicious ? "malicious" : suspicious || failed ? "inconclusive" : "benign"
  if (verdict === "benign")
    reasons.push(`${indicators.length} indicator(s) checked, none malicious or suspicious`)
  return { verdict, reasons, indicators }
}
