/**
 * The phishing playbook's connectors, wired to any base URLs (real vendors, or the loopback
 * simulators in tests and the demo).
 */
import { BlocklistHttp } from "@riposte/connector-blocklist"
import { GraphMailHttp } from "@riposte/connector-microsoft-graph-mail"
import { VirusTotalHttp } from "@riposte/connector-virustotal"
import { Layer, Redacted } from "effect"

export interface Endpoints {
  readonly virustotal: string
  readonly graph: string
  readonly blocklist: string
  readonly mailboxes: ReadonlyArray<string>
}

/**
 * Live connectors. Credentials here are placeholders the simulators accept; pass real ones in
 * production. Client-side rate limits are off (the simulators do not throttle; VirusTotal's
 * public 4/min and Graph's 10,000 per 10 min would pace the demo and the benchmarks instead of
 * the engine): in production, set each vendor's `rateLimit` to your licence.
 */
export const live = (
  endpoints: Endpoints,
  secrets = { virustotal: "sim-vt-key", graph: "sim-graph-token", blocklist: "sim-edl-token" },
) =>
  Layer.mergeAll(
    VirusTotalHttp.layer({
      apiKey: Redacted.make(secrets.virustotal),
      baseUrl: endpoints.virustotal,
      rateLimit: false,
    }),
    GraphMailHttp.layer({
      accessToken: Redacted.make(secrets.graph),
      baseUrl: endpoints.graph,
      mailboxes: endpoints.mailboxes,
      rateLimit: false,
    }),
    BlocklistHttp.layer({ baseUrl: endpoints.blocklist, token: Redacted.make(secrets.blocklist) }),
  )
