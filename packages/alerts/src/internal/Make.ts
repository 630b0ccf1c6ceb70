// Assembles an `Alert` from what a vendor normalizer extracted.
import { createHash } from "node:crypto"
import { type Alert, type Severity, severityId, type Vendor } from "../Alert.ts"
import type { Builder } from "./Observables.ts"

/** sha-256 hex of the vendor id and the vendor's alert id: the idempotency key of an alert. */
export const dedupKey = (source: Vendor, id: string): string =>
  createHash("sha256").update(`${source}\u0000${id}`).digest("hex")

// Canonical JSON (sorted keys) so that a content hash does not depend on key order.
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

/** A stable id for alerts whose vendor gives none: `sha256:` + hash of the canonical JSON. */
export const contentId = (value: unknown): string =>
  `sha256:${createHash("sha256").update(canonical(value)).digest("hex")}`

const names: Record<string, Severity> = {
  unknown: "unknown",
  none: "unknown",
  unspecified: "unknown",
  informational: "informational",
  information: "informational",
  info: "informational",
  debug: "informational",
  low: "low",
  medium: "medium",
  moderate: "medium",
  warn: "medium",
  warning: "medium",
  high: "high",
  error: "high",
  critical: "critical",
  fatal: "critical",
}

/** Maps a vendor severity word (any case) to OCSF; unrecognised words are "unknown". */
export const severityFromName = (raw: string | undefined): Severity =>
  raw === undefined ? "unknown" : (names[raw.trim().toLowerCase()] ?? "unknown")

/** Maps a 0–100 score (CrowdStrike, Chronicle risk) to OCSF bands. */
export const severityFromScore = (score: number): Severity =>
  score >= 90
    ? "critical"
    : score >= 70
      ? "high"
      : score >= 40
        ? "medium"
        : score >= 20
          ? "low"
          : "informational"

export interface Parts {
  readonly source: Vendor
  readonly id: string
  readonly time: string
  readonly severity: Severity
  readonly title: string
  readonly description?: string | undefined
  readonly rule: { readonly name: string; readonly uid?: string | undefined }
  readonly vendor: { readonly product: string; readonly name: string }
  readonly builder: Builder
  readonly techniques?: ReadonlyArray<string>
  readonly tactics?: ReadonlyArray<string>
  readonly raw: unknown
}

const uniq = (xs: ReadonlyArray<string>): ReadonlyArray<string> => [...new Set(xs)]

export const make = (p: Parts): Alert => {
  const techniques = uniq(
    (p.techniques ?? []).map((t) => t.trim().toUpperCase()).filter((t) => /^T\d{4}(\.\d{3})?$/.test(t)),
  )
  const tactics = uniq(p.tactics ?? [])
  return {
    id: p.id,
    time: p.time,
    severity: p.severity,
    severityId: severityId(p.severity),
    title: p.title,
    ...(p.description !== undefined ? { description: p.description } : {}),
    rule: { name: p.rule.name, ...(p.rule.uid !== undefined ? { uid: p.rule.uid } : {}) },
    source: p.source,
    vendor: { product: p.vendor.product, name: p.vendor.name },
    observables: p.builder.observables,
    entities: p.builder.entities(),
    ...(techniques.length > 0 ? { techniques } : {}),
    ...(tactics.length > 0 ? { tactics } : {}),
    dedupKey: dedupKey(p.source, p.id),
    raw: p.raw,
  }
}
