/**
 * The VirusTotal v3 connector definition: schemas and kinds only. The HTTP implementation is
 * {@link VirusTotalHttp.layer}.
 *
 * Outputs keep VirusTotal's own envelope (`data.id`, `data.type`, `data.attributes`) with the
 * fields playbooks use; every other vendor field is ignored on decode.
 *
 * @example
 * ```ts
 * import { VirusTotal } from "@riposte/connector-virustotal"
 *
 * const call = VirusTotal.urlReport({ url: "https://evil.example/login" })
 * // in a playbook: const report = yield* step("vt", call); report.data.attributes.last_analysis_stats.malicious
 * ```
 * @since 0.1.0
 */
import { Connector } from "@riposte/core"
import { Schema } from "effect"

/** Engine verdict counts of the last analysis. */
export const AnalysisStats = Schema.Struct({
  harmless: Schema.Number,
  malicious: Schema.Number,
  suspicious: Schema.Number,
  undetected: Schema.Number,
  timeout: Schema.optional(Schema.Number),
})

const Tags = Schema.optional(Schema.Array(Schema.String))
const Categories = Schema.optional(Schema.Record(Schema.String, Schema.String))

const envelope = <A extends Schema.Struct.Fields>(attributes: A) =>
  Schema.Struct({
    data: Schema.Struct({ id: Schema.String, type: Schema.String, attributes: Schema.Struct(attributes) }),
  })

export const FileReport = envelope({
  md5: Schema.optional(Schema.String),
  sha1: Schema.optional(Schema.String),
  sha256: Schema.optional(Schema.String),
  size: Schema.optional(Schema.Number),
  names: Tags,
  meaningful_name: Schema.optional(Schema.String),
  type_description: Schema.optional(Schema.String),
  last_analysis_date: Schema.optional(Schema.Number),
  /** Absent for files VirusTotal has not analysed with its engines (private scanning). */
  last_analysis_stats: Schema.optional(AnalysisStats),
  threat_verdict: Schema.optional(Schema.String),
  tags: Tags,
})

export const UrlReport = envelope({
  url: Schema.String,
  last_final_url: Schema.optional(Schema.String),
  title: Schema.optional(Schema.String),
  last_analysis_date: Schema.optional(Schema.Number),
  last_analysis_stats: AnalysisStats,
  reputation: Schema.optional(Schema.Number),
  times_submitted: Schema.optional(Schema.Number),
  categories: Categories,
  tags: Tags,
})

export const DomainReport = envelope({
  last_analysis_stats: AnalysisStats,
  reputation: Schema.optional(Schema.Number),
  registrar: Schema.optional(Schema.String),
  creation_date: Schema.optional(Schema.Number),
  categories: Categories,
  tags: Tags,
})

export const IpReport = envelope({
  last_analysis_stats: AnalysisStats,
  reputation: Schema.optional(Schema.Number),
  as_owner: Schema.optional(Schema.String),
  asn: Schema.optional(Schema.Number),
  country: Schema.optional(Schema.String),
  network: Schema.optional(Schema.String),
  tags: Tags,
})

export const UrlSubmission = Schema.Struct({
  data: Schema.Struct({ type: Schema.Literal("analysis"), id: Schema.String }),
})

const Hash = Schema.String.check(
  Schema.isPattern(/^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/, {
    message: "an MD5, SHA-1 or SHA-256 hex digest",
  }),
)
const Url = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s]{1,2040}$/i, {
    message: "an http(s) URL without spaces, at most 2 KiB",
  }),
)
const Domain = Schema.String.check(
  Schema.isPattern(/^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i, {
    message: "a domain name",
  }),
)
const Ip = Schema.String.check(
  Schema.isPattern(/^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]{2,39})$/, {
    message: "an IPv4 or IPv6 address",
  }),
)

type Stats = typeof AnalysisStats.Type

/**
 * Reads engine counts as a verdict: 3 or more engines saying malicious is malicious, any
 * malicious or suspicious engine is suspicious, otherwise benign. No analysis is unknown.
 */
export const assessStats = (stats: Stats | undefined): Connector.Assessment => {
  if (stats === undefined) return { verdict: "unknown", summary: "no engine analysis" }
  const summary = `${stats.malicious} malicious, ${stats.suspicious} suspicious of ${stats.harmless + stats.malicious + stats.suspicious + stats.undetected} engines`
  if (stats.malicious >= 3) return { verdict: "malicious", score: stats.malicious, summary }
  if (stats.malicious + stats.suspicious > 0)
    return { verdict: "suspicious", score: stats.malicious, summary }
  return { verdict: "benign", score: 0, summary }
}

export const VirusTotal = Connector.make("virustotal", {
  version: "3",
  description: "VirusTotal API v3: reputation reports for files, URLs, domains and IPs; URL submission.",
  actions: {
    fileReport: Connector.action({
      input: Schema.Struct({ hash: Hash }),
      output: FileReport,
      kind: "read",
      targets: (i) => [i.hash],
      assess: (o) => assessStats(o.data.attributes.last_analysis_stats),
      description: "GET /files/{hash}",
    }),
    urlReport: Connector.action({
      input: Schema.Struct({ url: Url }),
      output: UrlReport,
      kind: "read",
      targets: (i) => [i.url],
      assess: (o) => assessStats(o.data.attributes.last_analysis_stats),
      description: "GET /urls/{base64url(url)}",
    }),
    domainReport: Connector.action({
      input: Schema.Struct({ domain: Domain }),
      output: DomainReport,
      kind: "read",
      targets: (i) => [i.domain],
      assess: (o) => assessStats(o.data.attributes.last_analysis_stats),
      description: "GET /domains/{domain}",
    }),
    ipReport: Connector.action({
      input: Schema.Struct({ ip: Ip }),
      output: IpReport,
      kind: "read",
      targets: (i) => [i.ip],
      assess: (o) => assessStats(o.data.attributes.last_analysis_stats),
      description: "GET /ip_addresses/{ip}",
    }),
    submitUrl: Connector.action({
      input: Schema.Struct({ url: Url }),
      output: UrlSubmission,
      kind: "write",
      description: "POST /urls (queues an analysis; the id names it)",
    }),
  },
})
