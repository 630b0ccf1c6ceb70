/**
 * Connector mocks for the triage tests, with a call log. Verdicts come from sets of values
 * treated as malicious or failing.
 */
import { AbuseIpDb } from "@riposte/connector-abuseipdb"
import { UrlHaus } from "@riposte/connector-urlhaus"
import { VirusTotal } from "@riposte/connector-virustotal"
import { Connector, ConnectorError, Unauthorized } from "@riposte/core"
import { Effect, Layer } from "effect"

export interface Call {
  readonly action: string
  readonly value: string
}

const stats = (malicious: number) => ({ harmless: 60 - malicious, malicious, suspicious: 0, undetected: 10 })

export const mocks = (options: {
  readonly malicious?: ReadonlyArray<string>
  readonly failing?: ReadonlyArray<string>
}) => {
  const calls: Array<Call> = []
  const bad = (v: string) => (options.malicious ?? []).includes(v)
  const log = <A>(connector: string, action: string, value: string, answer: () => A) =>
    Effect.suspend(() => {
      calls.push({ action: `${connector}.${action}`, value })
      return (options.failing ?? []).includes(value)
        ? Effect.fail(new ConnectorError({ connector, action, reason: new Unauthorized() }))
        : Effect.succeed(answer())
    })
  const vt = (id: string) => ({
    data: { id, type: "report", attributes: { last_analysis_stats: stats(bad(id) ? 12 : 0) } },
  })
  const layer = Layer.mergeAll(
    Connector.layer(AbuseIpDb, {
      checkIp: ({ ip }) =>
        log("abuseipdb", "checkIp", ip, () => ({
          data: {
            ipAddress: ip,
            abuseConfidenceScore: bad(ip) ? 96 : 0,
            totalReports: bad(ip) ? 120 : 3,
            isWhitelisted: !bad(ip),
          },
        })),
    }),
    Connector.layer(VirusTotal, {
      fileReport: ({ hash }) => log("virustotal", "fileReport", hash, () => vt(hash)),
      urlReport: ({ url }) =>
        log("virustotal", "urlReport", url, () => ({
          data: { id: url, type: "url", attributes: { url, last_analysis_stats: stats(bad(url) ? 12 : 0) } },
        })),
      domainReport: ({ domain }) => log("virustotal", "domainReport", domain, () => vt(domain)),
      ipReport: ({ ip }) => log("virustotal", "ipReport", ip, () => vt(ip)),
      submitUrl: ({ url }) =>
        log("virustotal", "submitUrl", url, () => ({ data: { type: "analysis" as const, id: url } })),
    }),
    Connector.layer(UrlHaus, {
      urlLookup: ({ url }) =>
        log("urlhaus", "urlLookup", url, () =>
          bad(url)
            ? { query_status: "ok", url, url_status: "online", threat: "malware_download" }
            : { query_status: "no_results" },
        ),
      hostLookup: ({ host }) => log("urlhaus", "hostLookup", host, () => ({ query_status: "no_results" })),
    }),
  )
  return { calls, layer }
}
