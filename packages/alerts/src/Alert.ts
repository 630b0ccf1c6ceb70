/**
 * The normalized alert: one shape for every SIEM/XDR, aligned with the OCSF Detection Finding
 * class (class_uid 2004). Field names are camelCase; the OCSF name is given where it differs.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** OCSF `class_uid` of Detection Finding. */
export const classUid = 2004 as const

/** The vendors (and products) Riposte can normalize. */
export const Vendor = Schema.Literals([
  "splunk",
  "sentinel",
  "defender-for-cloud",
  "graph-security",
  "crowdstrike",
  "google-secops",
  "okta",
])
export type Vendor = typeof Vendor.Type

/** OCSF severity names (`severity`), in `severity_id` order 0–5. */
export const Severity = Schema.Literals(["unknown", "informational", "low", "medium", "high", "critical"])
export type Severity = typeof Severity.Type

const severityIds: Record<Severity, 0 | 1 | 2 | 3 | 4 | 5> = {
  unknown: 0,
  informational: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
}

/**
 * OCSF `severity_id` of a severity.
 *
 * @example
 * ```ts
 * Alert.severityId("high") // 4
 * ```
 */
export const severityId = (severity: Severity): 0 | 1 | 2 | 3 | 4 | 5 => severityIds[severity]

/** Observable types (OCSF `observables[].type`, lower-cased). */
export const ObservableType = Schema.Literals([
  "ipv4",
  "ipv6",
  "domain",
  "url",
  "email",
  "sha256",
  "sha1",
  "md5",
  "filename",
  "file_path",
  "user",
  "host",
  "process",
  "command_line",
  "mac",
])
export type ObservableType = typeof ObservableType.Type

/** One observable: `value` is normalized (lower-case hosts/domains/emails/hashes, refanged URLs). */
export const Observable = Schema.Struct({
  type: ObservableType,
  value: Schema.String,
  raw: Schema.String,
})
export type Observable = typeof Observable.Type

export const User = Schema.Struct({
  name: Schema.String,
  uid: Schema.optionalKey(Schema.String),
  domain: Schema.optionalKey(Schema.String),
  email: Schema.optionalKey(Schema.String),
  displayName: Schema.optionalKey(Schema.String),
})
export type User = typeof User.Type

export const Host = Schema.Struct({
  name: Schema.optionalKey(Schema.String),
  uid: Schema.optionalKey(Schema.String),
  ips: Schema.Array(Schema.String),
  os: Schema.optionalKey(Schema.String),
})
export type Host = typeof Host.Type

export const Ip = Schema.Struct({
  address: Schema.String,
  country: Schema.optionalKey(Schema.String),
  city: Schema.optionalKey(Schema.String),
})
export type Ip = typeof Ip.Type

export const File = Schema.Struct({
  name: Schema.String,
  path: Schema.optionalKey(Schema.String),
  sha256: Schema.optionalKey(Schema.String),
  sha1: Schema.optionalKey(Schema.String),
  md5: Schema.optionalKey(Schema.String),
})
export type File = typeof File.Type

export const Process = Schema.Struct({
  pid: Schema.optionalKey(Schema.String),
  name: Schema.optionalKey(Schema.String),
  path: Schema.optionalKey(Schema.String),
  commandLine: Schema.optionalKey(Schema.String),
})
export type Process = typeof Process.Type

/** Small entity structs grouped by kind (OCSF `evidences` / `resources`, simplified). */
export const Entities = Schema.Struct({
  users: Schema.Array(User),
  hosts: Schema.Array(Host),
  ips: Schema.Array(Ip),
  files: Schema.Array(File),
  processes: Schema.Array(Process),
})
export type Entities = typeof Entities.Type

/**
 * The normalized alert.
 *
 * - `id`: the vendor's alert id (or, when the vendor gives none, `sha256:` + a content hash).
 * - `time`: ISO-8601 UTC (OCSF `time`, the finding's creation time).
 * - `severity` / `severityId`: OCSF `severity` / `severity_id`.
 * - `source`: which normalizer produced it; `vendor`: OCSF `metadata.product`.
 * - `techniques` / `tactics`: MITRE ATT&CK, only when the vendor gives them.
 * - `dedupKey`: sha-256 hex of `source` + vendor alert id: stable across redeliveries.
 * - `raw`: the original vendor JSON, unchanged.
 */
export const Alert = Schema.Struct({
  id: Schema.String,
  time: Schema.String,
  severity: Severity,
  severityId: Schema.Literals([0, 1, 2, 3, 4, 5]),
  title: Schema.String,
  description: Schema.optionalKey(Schema.String),
  rule: Schema.Struct({ name: Schema.String, uid: Schema.optionalKey(Schema.String) }),
  source: Vendor,
  vendor: Schema.Struct({ product: Schema.String, name: Schema.String }),
  observables: Schema.Array(Observable),
  entities: Entities,
  techniques: Schema.optionalKey(Schema.Array(Schema.String)),
  tactics: Schema.optionalKey(Schema.Array(Schema.String)),
  dedupKey: Schema.String,
  raw: Schema.Unknown,
})
export type Alert = typeof Alert.Type
