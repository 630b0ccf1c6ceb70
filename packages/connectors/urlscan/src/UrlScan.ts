/**
 * The urlscan.io API v1 connector definition: schemas and kinds only. The HTTP implementation is
 * {@link UrlScanHttp.layer}.
 *
 * `submitScan` asks urlscan.io to visit a URL (usually taken from an alert); urlscan's scanners
 * fetch it, never this process, so no SafeFetch is involved. `scanResult` answers 404
 * (`NotFound`) until the scan has finished — wait ~10–30 s after submitting.
 *
 * @example
 * ```ts
 * import { UrlScan } from "@riposte/connector-urlscan"
 *
 * const submit = UrlScan.submitScan({ url: "https://evil.example/login" })
 * // later: UrlScan.scanResult({ uuid: submitted.uuid })
 * ```
 * @since 0.1.0
 */
import { Connector, type Connector as ConnectorTypes } from "@riposte/core"
import { Schema } from "effect"

export const Visibility = Schema.Literals(["public", "unlisted", "private"])

export const Submission = Schema.Struct({
  uuid: Schema.String,
  /** The human-readable report page. */
  result: Schema.String,
  /** The API URL of the result (what {@link UrlScan.scanResult} reads). */
  api: Schema.String,
  visibility: Schema.String,
  url: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
})

const Strings = Schema.optional(Schema.Array(Schema.String))

export const Verdict = Schema.Struct({
  score: Schema.Number,
  malicious: Schema.Boolean,
  hasVerdicts: Schema.optional(Schema.Union([Schema.Number, Schema.Boolean])),
  categories: Strings,
  brands: Schema.optional(Schema.Array(Schema.Unknown)),
  tags: Strings,
})

export const Result = Schema.Struct({
  task: Schema.Struct({
    uuid: Schema.String,
    url: Schema.String,
    time: Schema.String,
    visibility: Schema.optional(Schema.String),
    reportURL: Schema.optional(Schema.String),
    screenshotURL: Schema.optional(Schema.String),
  }),
  page: Schema.Struct({
    url: Schema.optional(Schema.String),
    domain: Schema.optional(Schema.String),
    ip: Schema.optional(Schema.String),
    country: Schema.optional(Schema.String),
    status: Schema.optional(Schema.String),
    title: Schema.optional(Schema.String),
  }),
  verdicts: Schema.Struct({
    overall: Verdict,
    urlscan: Schema.optional(Verdict),
  }),
  lists: Schema.optional(
    Schema.Struct({
      ips: Strings,
      domains: Strings,
      urls: Strings,
      hashes: Strings,
      certificates: Schema.optional(Schema.Array(Schema.Unknown)),
    }),
  ),
})

const Url = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s]{1,2040}$/i, {
    message: "an http(s) URL without spaces, at most 2 KiB",
  }),
)
const Uuid = Schema.String.check(
  Schema.isPattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
    message: "a scan UUID",
  }),
)
const Tag = Schema.String.check(
  Schema.isPattern(/^[\w.:-]{1,64}$/, { message: "a tag of letters, digits, . : _ -, at most 64 chars" }),
)

/**
 * Reads a scan result: urlscan's overall verdict malicious → malicious; a positive score →
 * suspicious; verdicts present and clean → benign; no verdicts at all → unknown (a page that
 * failed to load proves nothing).
 *
 * @example
 * ```ts
 * UrlScanSchemas.assess(result) // { verdict: "unknown", score: 0, summary: "urlscan: no verdicts for http://capitalne.com" }
 * ```
 */
export const assess = (result: typeof Result.Type): ConnectorTypes.Assessment => {
  const overall = result.verdicts.overall
  const about = result.page.url ?? result.task.url
  const labels = [...(overall.categories ?? []), ...(overall.tags ?? [])]
  const detail = labels.length > 0 ? ` (${labels.join(", ")})` : ""
  if (overall.malicious)
    return { verdict: "malicious", score: overall.score, summary: `urlscan: malicious ${about}${detail}` }
  if (overall.score > 0)
    return {
      verdict: "suspicious",
      score: overall.score,
      summary: `urlscan: score ${overall.score} ${about}${detail}`,
    }
  const hasVerdicts =
    overall.hasVerdicts === true || (typeof overall.hasVerdicts === "number" && overall.hasVerdicts > 0)
  return hasVerdicts
    ? { verdict: "benign", score: overall.score, summary: `urlscan: no detections for ${about}` }
    : { verdict: "unknown", score: overall.score, summary: `urlscan: no verdicts for ${about}` }
}

export const UrlScan = Connector.make("urlscan", {
  version: "1",
  description: "urlscan.io API v1: submit a URL for scanning, read the scan result.",
  actions: {
    submitScan: Connector.action({
      input: Schema.Struct({
        url: Url,
        /** Default: the layer's `visibility` (`private` unless configured). */
        visibility: Schema.optional(Visibility),
        tags: Schema.optional(Schema.Array(Tag).check(Schema.isMaxLength(10))),
      }),
      output: Submission,
      kind: "write",
      description: "POST /scan/ (urlscan.io fetches the URL, not Riposte)",
      targets: ({ url }) => [url],
    }),
    scanResult: Connector.action({
      input: Schema.Struct({ uuid: Uuid }),
      output: Result,
      kind: "read",
      description: "GET /result/{uuid}/ (404 until the scan has finished)",
      assess,
    }),
  },
})
