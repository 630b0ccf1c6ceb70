/**
 * The URLhaus API v1 connector definition (abuse.ch): schemas and kinds only. The HTTP
 * implementation is {@link UrlHausHttp.layer}.
 *
 * Both lookups answer 200 for unknown indicators with `query_status: "no_results"`, which
 * `assess` reads as `unknown`. Outputs keep URLhaus's flat envelope with the fields playbooks use.
 *
 * @example
 * ```ts
 * import { UrlHaus } from "@riposte/connector-urlhaus"
 *
 * const call = UrlHaus.urlLookup({ url: "http://evil.example/payload.exe" })
 * // in a playbook: const r = yield* step("urlhaus", call); r.query_status === "ok" && r.threat
 * ```
 * @since 0.1.0
 */
import { Connector, type Connector as ConnectorTypes } from "@riposte/core"
import { Schema } from "effect"

const Tags = Schema.optional(Schema.NullOr(Schema.Array(Schema.String)))
const OptionalText = Schema.optional(Schema.NullOr(Schema.String))

export const Payload = Schema.Struct({
  firstseen: OptionalText,
  filename: OptionalText,
  file_type: OptionalText,
  response_md5: OptionalText,
  response_sha256: OptionalText,
  signature: OptionalText,
})

export const UrlLookup = Schema.Struct({
  /** `ok`, `no_results`, `invalid_url`. */
  query_status: Schema.String,
  id: Schema.optional(Schema.String),
  urlhaus_reference: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String),
  /** `online`, `offline`, `unknown`. */
  url_status: Schema.optional(Schema.String),
  host: Schema.optional(Schema.String),
  date_added: OptionalText,
  last_online: OptionalText,
  threat: OptionalText,
  blacklists: Schema.optional(Schema.Record(Schema.String, Schema.String)),
  tags: Tags,
  payloads: Schema.optional(Schema.NullOr(Schema.Array(Payload))),
})

export const HostUrl = Schema.Struct({
  id: Schema.optional(Schema.String),
  url: Schema.String,
  url_status: Schema.optional(Schema.String),
  date_added: OptionalText,
  threat: OptionalText,
  tags: Tags,
})

export const HostLookup = Schema.Struct({
  /** `ok`, `no_results`, `invalid_host`. */
  query_status: Schema.String,
  urlhaus_reference: Schema.optional(Schema.String),
  host: Schema.optional(Schema.String),
  firstseen: OptionalText,
  /** A decimal string, as URLhaus sends it. */
  url_count: Schema.optional(Schema.String),
  blacklists: Schema.optional(Schema.Record(Schema.String, Schema.String)),
  urls: Schema.optional(Schema.NullOr(Schema.Array(HostUrl))),
})

const Url = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s]{1,2040}$/i, {
    message: "an http(s) URL without spaces, at most 2 KiB",
  }),
)
const Host = Schema.String.check(
  Schema.isPattern(
    /^(?:(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}|\d{1,3}(?:\.\d{1,3}){3})$/i,
    { message: "a domain name or an IPv4 address" },
  ),
)

/**
 * Reads a URL lookup: listed and online → malicious; listed but offline/unknown → suspicious
 * (it served malware; it may come back); not listed → unknown.
 *
 * @example
 * ```ts
 * UrlHausSchemas.assessUrl(lookup) // { verdict: "malicious", summary: "URLhaus: malware_download (online) emotet, epoch2" }
 * ```
 */
export const assessUrl = (lookup: typeof UrlLookup.Type): ConnectorTypes.Assessment => {
  if (lookup.query_status !== "ok") return { verdict: "unknown", summary: `URLhaus: ${lookup.query_status}` }
  const tags = lookup.tags?.length ? ` ${lookup.tags.join(", ")}` : ""
  const summary = `URLhaus: ${lookup.threat ?? "listed"} (${lookup.url_status ?? "unknown"})${tags}`
  return { verdict: lookup.url_status === "online" ? "malicious" : "suspicious", summary }
}

/**
 * Reads a host lookup: a listed URL still online → malicious; only offline URLs → suspicious;
 * no URLs → unknown.
 *
 * @example
 * ```ts
 * UrlHausSchemas.assessHost(lookup) // { verdict: "malicious", summary: "URLhaus: 3 URLs on vektorex.com, 2 online" }
 * ```
 */
export const assessHost = (lookup: typeof HostLookup.Type): ConnectorTypes.Assessment => {
  const urls = lookup.urls ?? []
  if (urls.length === 0) return { verdict: "unknown", summary: `URLhaus: ${lookup.query_status}` }
  const online = urls.filter((u) => u.url_status === "online").length
  const summary = `URLhaus: ${lookup.url_count ?? urls.length} URLs on ${lookup.host ?? "host"}, ${online} online`
  return { verdict: online > 0 ? "malicious" : "suspicious", summary }
}

export const UrlHaus = Connector.make("urlhaus", {
  version: "1",
  description: "URLhaus (abuse.ch) API v1: malware-distribution URLs and hosts.",
  actions: {
    urlLookup: Connector.action({
      input: Schema.Struct({ url: Url }),
      output: UrlLookup,
      kind: "read",
      description: "POST /url/ (form: url)",
      targets: ({ url }) => [url],
      assess: assessUrl,
    }),
    hostLookup: Connector.action({
      input: Schema.Struct({ host: Host }),
      output: HostLookup,
      kind: "read",
      description: "POST /host/ (form: host)",
      targets: ({ host }) => [host],
      assess: assessHost,
    }),
  },
})
