/**
 * The HTTP implementation of {@link Jira} over `@riposte/connector-kit`: rich text goes out as
 * ADF ({@link Adf.fromText}), and the write actions reconcile before acting because Jira has no
 * idempotency header and activities are at-least-once:
 *
 * - `createIssue` labels the issue `riposte:<idempotency key>` and first searches
 *   `labels = "riposte:<key>"` (JQL); a hit is returned instead of a second issue.
 * - `addComment` stores the key in the comment property `riposte` and first reads the issue's
 *   newest 100 comments (with properties); a hit is returned instead of a second comment.
 * - `transitionIssue` reads the transition's target status and the issue's status first, and
 *   does nothing (`changed: false`) when the issue is already there.
 *
 * @example
 * ```ts
 * import { JiraHttp } from "@riposte/connector-jira"
 * import { Redacted } from "effect"
 *
 * const JiraLive = JiraHttp.layer({
 *   baseUrl: "https://corp.atlassian.net",
 *   email: "soc-bot@corp.example",
 *   apiToken: Redacted.make(process.env.JIRA_API_TOKEN ?? ""),
 * })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import { Connector } from "@riposte/core"
import { Effect, type Layer, Redacted, Schema } from "effect"
import * as Adf from "./Adf.ts"
import { Jira } from "./Jira.ts"

export interface Config {
  /** Your site, e.g. `https://corp.atlassian.net` (or `https://api.atlassian.com/ex/jira/<cloudId>` for OAuth). */
  readonly baseUrl: string
  /** An API token (with `email`: Basic auth) or an OAuth 2.0 / service-account access token (Bearer). */
  readonly apiToken: Redacted.Redacted<string>
  /** The Atlassian account email the API token belongs to. Absent: the token is sent as Bearer. */
  readonly email?: string | undefined
  /** Hosts allowed to receive the token. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 20 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 5 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Default: none (Jira Cloud's limits are cost-based and unpublished; 429 + Retry-After is honoured). */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
  /** Read before acting (see module docs). Default `true`; `false` sends one request per call. */
  readonly reconcile?: boolean | undefined
}

/** The label that carries a call's idempotency key (labels cannot contain whitespace). */
export const keyLabel = (idempotencyKey: string): string =>
  `riposte:${idempotencyKey.replace(/\s/g, "_")}`.slice(0, 255)

/** The comment property key that carries a call's idempotency key. */
export const commentProperty = "riposte"

/** A JQL string literal: backslash and double quote escaped. */
export const jqlString = (value: string): string => `"${value.replace(/[\\"]/g, "\\$&")}"`

const SearchResult = Schema.Struct({ issues: Schema.Array(Jira.actions.createIssue.output) })
const CommentPage = Schema.Struct({
  comments: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      self: Schema.optional(Schema.String),
      created: Schema.optional(Schema.String),
      properties: Schema.optional(Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.Unknown }))),
    }),
  ),
})
const Transitions = Schema.Struct({
  transitions: Schema.Array(Schema.Struct({ id: Schema.String, to: Schema.Struct({ name: Schema.String }) })),
})
const IssueStatus = Schema.Struct({
  fields: Schema.Struct({ status: Schema.optional(Schema.Struct({ name: Schema.String })) }),
})
const read = <O extends Schema.Top>(output: O) => ({ output, kind: "read" as const })
const noBody = { output: Schema.Unknown, kind: "write" as const }
const hasKey = (properties: ReadonlyArray<{ key: string; value: unknown }> | undefined, key: string) =>
  (properties ?? []).some(
    (p) =>
      p.key === commentProperty &&
      typeof p.value === "object" &&
      p.value !== null &&
      (p.value as { idempotencyKey?: unknown }).idempotencyKey === key,
  )

/**
 * The Jira implementation Layer.
 *
 * @example
 * ```ts
 * JiraHttp.layer({ baseUrl: "https://corp.atlassian.net", email: "bot@corp.example", apiToken })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"jira">> => {
  const client = HttpConnector.make(
    "jira",
    {
      baseUrl: `${config.baseUrl.replace(/\/+$/, "")}/rest/api/3`,
      credentials: config.apiToken,
      allowedHosts: config.allowedHosts ?? [new URL(config.baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 20_000,
      maxResponseBytes: config.maxResponseBytes ?? 5 * 1024 * 1024,
      rateLimit: config.rateLimit === false ? undefined : config.rateLimit,
      retry: config.retry,
    },
    (token) => ({
      Authorization:
        config.email === undefined
          ? `Bearer ${Redacted.value(token)}`
          : `Basic ${Buffer.from(`${config.email}:${Redacted.value(token)}`, "utf8").toString("base64")}`,
    }),
  )
  const reconcile = config.reconcile ?? true
  const actions = Jira.actions
  const decode = <K extends keyof typeof actions>(action: K, input: unknown) =>
    HttpConnector.decodeInput<(typeof actions)[K]["input"]["Type"]>("jira", action, actions[action], input)
  const issuePath = (issue: string) => `/issue/${encodeURIComponent(issue)}`

  return Connector.layer(Jira, {
    createIssue: (input, ctx) =>
      Effect.gen(function* () {
        const issue = yield* decode("createIssue", input)
        const label = keyLabel(ctx.idempotencyKey)
        if (reconcile) {
          const found = yield* client.execute(
            "createIssue",
            read(SearchResult),
            {
              method: "GET",
              path: "/search/jql",
              query: { jql: `labels = ${jqlString(label)}`, fields: "summary", maxResults: 1 },
            },
            ctx,
          )
          const existing = found.issues[0]
          if (existing !== undefined) return existing
        }
        return yield* client.execute(
          "createIssue",
          actions.createIssue,
          {
            method: "POST",
            path: "/issue",
            json: {
              fields: {
                project: { key: issue.projectKey },
                issuetype: { name: issue.issueType },
                summary: Adf.singleLine(issue.summary),
                ...(issue.description === undefined ? {} : { description: Adf.fromText(issue.description) }),
                labels: [...(issue.labels ?? []), label],
                ...(issue.priority === undefined ? {} : { priority: { name: issue.priority } }),
              },
            },
            // Jira has no idempotency header; the label search above reconciles instead.
            idempotencyHeader: false,
          },
          ctx,
        )
      }),

    addComment: (input, ctx) =>
      Effect.gen(function* () {
        const { issue, body } = yield* decode("addComment", input)
        if (reconcile) {
          const page = yield* client.execute(
            "addComment",
            read(CommentPage),
            {
              method: "GET",
              path: `${issuePath(issue)}/comment`,
              query: { orderBy: "-created", maxResults: 100, expand: "properties" },
            },
            ctx,
          )
          const existing = page.comments.find((c) => hasKey(c.properties, ctx.idempotencyKey))
          if (existing !== undefined) {
            const { properties: _, ...comment } = existing
            return comment
          }
        }
        return yield* client.execute(
          "addComment",
          actions.addComment,
          {
            method: "POST",
            path: `${issuePath(issue)}/comment`,
            json: {
              body: Adf.fromText(body),
              properties: [{ key: commentProperty, value: { idempotencyKey: ctx.idempotencyKey } }],
            },
            idempotencyHeader: false,
          },
          ctx,
        )
      }),

    transitionIssue: (input, ctx) =>
      Effect.gen(function* () {
        const { issue, transitionId } = yield* decode("transitionIssue", input)
        let target: string | undefined
        if (reconcile) {
          const listed = yield* client.execute(
            "transitionIssue",
            read(Transitions),
            {
              method: "GET",
              path: `${issuePath(issue)}/transitions`,
              query: { transitionId, includeUnavailableTransitions: true },
            },
            ctx,
          )
          target = listed.transitions.find((t) => t.id === transitionId)?.to.name
          if (target !== undefined) {
            const current = yield* client.execute(
              "transitionIssue",
              read(IssueStatus),
              { method: "GET", path: issuePath(issue), query: { fields: "status" } },
              ctx,
            )
            if (current.fields.status?.name === target) {
              return { issue, transitionId, changed: false, status: target }
            }
          }
        }
        // 204 No Content: nothing to decode.
        yield* client.execute(
          "transitionIssue",
          noBody,
          {
            method: "POST",
            path: `${issuePath(issue)}/transitions`,
            json: { transition: { id: transitionId } },
            idempotencyHeader: false,
          },
          ctx,
        )
        return target === undefined
          ? { issue, transitionId, changed: true }
          : { issue, transitionId, changed: true, status: target }
      }),

    getIssue: (input, ctx) =>
      Effect.flatMap(decode("getIssue", input), ({ issue }) =>
        client.execute(
          "getIssue",
          actions.getIssue,
          {
            method: "GET",
            path: issuePath(issue),
            query: { fields: "summary,status,labels,issuetype,priority,assignee" },
          },
          ctx,
        ),
      ),
  })
}
