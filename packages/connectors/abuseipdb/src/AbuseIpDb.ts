/**
 * The AbuseIPDB API v2 connector definition: schemas and kinds only. The HTTP implementation is
 * {@link AbuseIpDbHttp.layer}.
 *
 * The output keeps AbuseIPDB's envelope (`data`) with the fields playbooks use; `assess` reads
 * `abuseConfidenceScore` as a verdict for the case's enrichment records.
 *
 * @example
 * ```ts
 * import { AbuseIpDb } from "@riposte/connector-abuseipdb"
 *
 * const call = AbuseIpDb.checkIp({ ip: "203.0.113.7" })
 * // in a playbook: const report = yield* step("abuse", call); report.data.abuseConfidenceScore
 * ```
 * @since 0.1.0
 */
import { Connector, type Connector as ConnectorTypes } from "@riposte/core"
import { Schema } from "effect"

export const CheckReport = Schema.Struct({
  data: Schema.Struct({
    ipAddress: Schema.String,
    isPublic: Schema.optional(Schema.Boolean),
    ipVersion: Schema.optional(Schema.Number),
    isWhitelisted: Schema.optional(Schema.NullOr(Schema.Boolean)),
    /** 0–100: how confident AbuseIPDB's community is that the address is abusive. */
    abuseConfidenceScore: Schema.Number,
    countryCode: Schema.optional(Schema.NullOr(Schema.String)),
    usageType: Schema.optional(Schema.NullOr(Schema.String)),
    isp: Schema.optional(Schema.NullOr(Schema.String)),
    domain: Schema.optional(Schema.NullOr(Schema.String)),
    hostnames: Schema.optional(Schema.Array(Schema.String)),
    isTor: Schema.optional(Schema.Boolean),
    totalReports: Schema.Number,
    numDistinctUsers: Schema.optional(Schema.Number),
    lastReportedAt: Schema.optional(Schema.NullOr(Schema.String)),
  }),
})

const Ip = Schema.String.check(
  Schema.isPattern(
    /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}|[0-9a-fA-F:]{2,39})$/,
    { message: "an IPv4 or IPv6 address" },
  ),
)
const MaxAgeInDays = Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 365 }))

/** Score thresholds of {@link assess}: ≥ 75 malicious, ≥ 25 suspicious. */
export const thresholds = { malicious: 75, suspicious: 25 } as const

/**
 * Reads a check report as a verdict: whitelisted → benign; score ≥ 75 → malicious; ≥ 25 →
 * suspicious; reported but below 25 → benign; never reported → unknown (no reports is not
 * evidence of innocence).
 *
 * @example
 * ```ts
 * AbuseIpDbSchemas.assess(report) // { verdict: "malicious", score: 87, summary: "AbuseIPDB 87/100 (42 reports)" }
 * ```
 */
export const assess = (report: typeof CheckReport.Type): ConnectorTypes.Assessment => {
  const { abuseConfidenceScore: score, totalReports, isWhitelisted } = report.data
  const summary = `AbuseIPDB ${score}/100 (${totalReports} reports)`
  if (isWhitelisted === true) return { verdict: "benign", score, summary: `${summary}, whitelisted` }
  if (score >= thresholds.malicious) return { verdict: "malicious", score, summary }
  if (score >= thresholds.suspicious) return { verdict: "suspicious", score, summary }
  if (totalReports > 0) return { verdict: "benign", score, summary }
  return { verdict: "unknown", score, summary }
}

export const AbuseIpDb = Connector.make("abuseipdb", {
  version: "2",
  description: "AbuseIPDB API v2: community abuse reports for IP addresses.",
  actions: {
    checkIp: Connector.action({
      input: Schema.Struct({ ip: Ip, maxAgeInDays: Schema.optional(MaxAgeInDays) }),
      output: CheckReport,
      kind: "read",
      description: "GET /check?ipAddress={ip}&maxAgeInDays={days}",
      targets: ({ ip }) => [ip],
      assess,
    }),
  },
})
