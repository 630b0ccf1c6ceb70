/**
 * Alert triage and enrichment.
 *
 * A normalized `Alert` (any vendor, via @riposte/alerts) goes in. A known false positive (an
 * allow-list rule) is closed at once WITH the rule's reason. Otherwise every observable is
 * enriched (AbuseIPDB for public IPs; VirusTotal for hashes, domains and URLs; URLhaus for URLs
 * and domains), the worst verdict and the criticality of the assets involved set the case
 * severity, and the case goes to tier 1 or tier 2.
 */
import { Alert } from "@riposte/alerts"
import { AbuseIpDb } from "@riposte/connector-abuseipdb"
import { UrlHaus } from "@riposte/connector-urlhaus"
import { VirusTotal } from "@riposte/connector-virustotal"
import { type Connector, playbook } from "@riposte/core"
import {
  assetCriticality,
  type Criticality,
  indicators,
  key,
  severity,
  type Verdict,
  worst,
} from "./Assess.ts"

/** An allow-list rule: every given field must match. Its reason is the case's resolution. */
export interface AllowRule {
  readonly name: string
  readonly reason: string
  readonly source?: Alert.Vendor
  /** Exact rule name (`alert.rule.name`). */
  readonly ruleName?: string
  /** Only when every observable of these types is one of these values (e.g. a scanner's IPs). */
  readonly observables?: ReadonlyArray<string>
}

export interface TriageConfig {
  /** Asset inventory: lower-cased host name, id or IP → criticality. */
  readonly assets: Readonly<Record<string, Criticality>>
  readonly allowList: ReadonlyArray<AllowRule>
}

/** At most this many lookups per observable type: a hostile alert with 10,000 IPs costs 10. */
export const limits = { ips: 10, hashes: 10, domains: 10, urls: 10 } as const

const privateIp =
  /^(?:10\.|127\.|0\.|169\.254\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|192\.0\.2\.|198\.51\.100\.|203\.0\.113\.)/
/** Private, loopback and documentation ranges: no reputation service knows them. */
export const isPrivateIpv4 = (ip: string) => privateIp.test(ip)

const hashType = (hash: string) => (hash.length === 32 ? "md5" : hash.length === 40 ? "sha1" : "sha256")

const matches = (rule: AllowRule, alert: Alert.Alert) =>
  (rule.source === undefined || rule.source === alert.source) &&
  (rule.ruleName === undefined || rule.ruleName === alert.rule.name) &&
  (rule.observables === undefined ||
    (alert.observables.length > 0 && alert.observables.every((o) => rule.observables!.includes(o.value))))

/** Builds the triage playbook over an asset inventory and an allow list. */
export const makeTriage = (config: TriageConfig) =>
  playbook("triage", {
    version: "1.0.0",
    description:
      "Enrich every observable of an alert, set severity from verdicts and assets, close known FPs.",
    owner: "soc",
    // Triage answers whatever the alert detected; these are the techniques of the test corpus.
    attack: ["T1059", "T1059.001", "T1204.002", "T1078"],
  })
    .trigger(Alert.Alert, {
      idempotencyKey: (a) => `alert:${a.dedupKey}`,
      caseTitle: (a) => `[${a.source}] ${a.title}`.slice(0, 200),
    })
    .step("allowed", (ctx) => {
      const rule = config.allowList.find((r) => matches(r, ctx.trigger))
      return rule === undefined ? null : { name: rule.name, reason: rule.reason }
    })
    .decide("known", (ctx) => (ctx.allowed === null ? "investigate" : "falsePositive"))
    .branch("known", {
      falsePositive: (p) =>
        p.case({ severity: "informational", tags: ["false-positive"] }).close((ctx) => ({
          resolution: `false positive (allow-list rule '${ctx.allowed?.name}'): ${ctx.allowed?.reason}`,
          status: "closed",
        })),
      investigate: (p) =>
        p
          .step("observables", (ctx) => {
            const of = (...types: ReadonlyArray<string>) => [
              ...new Set(ctx.trigger.observables.filter((o) => types.includes(o.type)).map((o) => o.value)),
            ]
            const ips = of("ipv4", "ipv6")
            return {
              ips: ips.filter((ip) => !isPrivateIpv4(ip)).slice(0, limits.ips),
              internalIps: ips.filter(isPrivateIpv4),
              hashes: of("sha256", "sha1", "md5").slice(0, limits.hashes),
              domains: of("domain").slice(0, limits.domains),
              urls: of("url")
                .filter((u) => /^https?:\/\//i.test(u))
                .slice(0, limits.urls),
            }
          })
          .enrich(
            "intel",
            (ctx) => {
              const calls: Record<string, Connector.AnyCall> = {}
              const o = ctx.observables
              for (const ip of o.ips)
                calls[key("abuseipdb", ip.includes(":") ? "ipv6" : "ipv4", ip)] = AbuseIpDb.checkIp({
                  ip,
                  maxAgeInDays: 90,
                })
              for (const hash of o.hashes)
                calls[key("virustotal", hashType(hash), hash)] = VirusTotal.fileReport({ hash })
              for (const domain of o.domains) {
                calls[key("virustotal", "domain", domain)] = VirusTotal.domainReport({ domain })
                calls[key("urlhaus", "domain", domain)] = UrlHaus.hostLookup({ host: domain })
              }
              for (const url of o.urls) {
                calls[key("virustotal", "url", url)] = VirusTotal.urlReport({ url })
                calls[key("urlhaus", "url", url)] = UrlHaus.urlLookup({ url })
              }
              return calls
            },
            {
              onError: "continue",
              concurrency: 8,
              retry: { times: 2, base: "500 millis" },
              timeout: "20 seconds",
            },
          )
          .step("assessment", (ctx) => {
            const found = indicators(ctx.intel)
            const verdict = found.reduce<Verdict>((v, i) => worst(v, i.verdict), "unknown")
            const asset = assetCriticality(ctx.trigger, config.assets)
            return {
              indicators: found,
              verdict,
              asset,
              severity: severity(verdict, asset?.criticality ?? null, ctx.trigger.severity),
            }
          })
          .case((ctx) => ({
            severity: ctx.assessment.severity,
            status: "triaged",
            observables: [
              ...ctx.assessment.indicators.map((i) => ({
                type: i.type,
                raw: i.value,
                verdict: i.verdict,
                source: "triage",
              })),
              ...ctx.observables.internalIps.map((ip) => ({ type: "ipv4", raw: ip, source: "alert" })),
            ],
            note: [
              `Verdict ${ctx.assessment.verdict}; severity ${ctx.assessment.severity} (vendor ${ctx.trigger.severity}, asset ${ctx.assessment.asset ? `${ctx.assessment.asset.asset}=${ctx.assessment.asset.criticality}` : "not in inventory"})`,
              ...ctx.assessment.indicators.map((i) => `- ${i.type} ${i.value}: ${i.reasons.join("; ")}`),
              ...(ctx.observables.internalIps.length > 0
                ? [`- internal addresses not enriched: ${ctx.observables.internalIps.join(", ")}`]
                : []),
            ].join("\n"),
          }))
          .decide("queue", (ctx) =>
            ctx.assessment.verdict === "malicious" ||
            ctx.assessment.severity === "high" ||
            ctx.assessment.severity === "critical"
              ? "tier2"
              : "tier1",
          )
          .branch("queue", {
            tier2: (q) => q.case({ assignee: "tier2", tags: ["escalated"] }),
            tier1: (q) => q.case({ assignee: "tier1" }),
          }),
    })
