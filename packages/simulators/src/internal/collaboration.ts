/**
 * Notification and ticketing vendors: Slack, Jira, TheHive 5. Created objects are kept so
 * follow-up calls (comment, transition, observable) hit 404 for unknown ids like the real APIs.
 */
import { fixture } from "./fixtures.ts"
import { field, json, notFound, type Route } from "./router.ts"

const pick = (body: unknown, keys: ReadonlyArray<string>): Record<string, unknown> => {
  if (typeof body !== "object" || body === null) return {}
  const out: Record<string, unknown> = {}
  for (const key of keys) if (key in body) out[key] = (body as Record<string, unknown>)[key]
  return out
}

/** Slack Web API. Reference: https://api.slack.com/methods/chat.postMessage (sample too large to copy). */
export const slack = (): ReadonlyArray<Route> => {
  let ts = 1700000000
  return [
    {
      method: "POST",
      pattern: "/api/chat.postMessage",
      write: true,
      handle: ({ body, headers }) => {
        if (headers.authorization === undefined) return json(200, { ok: false, error: "not_authed" })
        const channel = field(body, "channel")
        if (channel === undefined) return json(200, { ok: false, error: "channel_not_found" })
        const stamp = `${ts++}.000100`
        return json(200, {
          ok: true,
          channel,
          ts: stamp,
          message: {
            type: "message",
            subtype: "bot_message",
            text: field(body, "text") ?? "",
            ts: stamp,
            bot_id: "B0000000001",
            ...pick(body, ["blocks", "metadata"]),
          },
        })
      },
    },
  ]
}

interface Issue {
  readonly id: string
  readonly key: string
  readonly summary: string
  readonly labels: ReadonlyArray<string>
  status: string
  readonly comments: Array<Record<string, unknown>>
}

const jiraTransitions = [
  { id: "11", name: "To Do", to: { id: "10000", name: "To Do" } },
  { id: "21", name: "Start progress", to: { id: "3", name: "In Progress" } },
  { id: "31", name: "Done", to: { id: "10001", name: "Done" } },
]

const issueJson = (issue: Issue) => ({
  id: issue.id,
  key: issue.key,
  self: `https://example.atlassian.net/rest/api/3/issue/${issue.id}`,
  fields: {
    summary: issue.summary,
    labels: issue.labels,
    status: { name: issue.status },
    comment: { total: issue.comments.length },
  },
})

/** Jira Cloud REST v3 (create issue: reference; comment: recorded). */
export const jira = () => {
  const issues = new Map<string, Issue>()
  let next = 10000
  const find = (idOrKey: string | undefined) =>
    [...issues.values()].find((i) => i.id === idOrKey || i.key === idOrKey)
  const routes: ReadonlyArray<Route> = [
    {
      method: "POST",
      pattern: "/rest/api/3/issue",
      write: true,
      handle: ({ body }) => {
        const fields = (
          body as
            | { fields?: { project?: { key?: string }; summary?: string; labels?: Array<string> } }
            | undefined
        )?.fields
        if (fields?.project?.key === undefined || fields.summary === undefined) {
          return json(400, {
            errorMessages: [],
            errors: { summary: "You must specify a summary of the issue." },
          })
        }
        const id = String(next++)
        const key = `${fields.project.key}-${issues.size + 1}`
        const labels = Array.isArray(fields.labels) ? fields.labels.filter((l) => typeof l === "string") : []
        issues.set(id, { id, key, summary: fields.summary, labels, status: "To Do", comments: [] })
        return json(201, { id, key, self: `https://example.atlassian.net/rest/api/3/issue/${id}` })
      },
    },
    {
      method: "POST",
      pattern: "/rest/api/3/issue/:issue/comment",
      write: true,
      handle: ({ params, body }) => {
        const issue = find(params.issue)
        if (issue === undefined)
          return json(404, {
            errorMessages: ["Issue does not exist or you do not have permission to see it."],
            errors: {},
          })
        const comment = {
          ...fixture<Record<string, unknown>>("jira/create_comment_response.json"),
          id: String(18395 + issue.comments.length),
          body: (body as { body?: unknown })?.body,
          ...pick(body, ["properties"]),
        }
        issue.comments.push(comment)
        return json(201, comment)
      },
    },
    {
      method: "POST",
      pattern: "/rest/api/3/issue/:issue/transitions",
      write: true,
      handle: ({ params, body }) => {
        const issue = find(params.issue)
        if (issue === undefined) return notFound("issue")
        const id = (body as { transition?: { id?: string } } | undefined)?.transition?.id
        const names: Record<string, string> = { "11": "To Do", "21": "In Progress", "31": "Done" }
        const status = id === undefined ? undefined : names[id]
        if (status === undefined || status === issue.status)
          return json(400, { errorMessages: ["Transition id is not valid for this issue."], errors: {} })
        issue.status = status
        return { status: 204 }
      },
    },
    {
      method: "GET",
      pattern: "/rest/api/3/issue/:issue",
      handle: ({ params }) => {
        const issue = find(params.issue)
        return issue === undefined ? notFound("issue") : json(200, issueJson(issue))
      },
    },
    {
      // reference: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-get
      method: "GET",
      pattern: "/rest/api/3/issue/:issue/comment",
      handle: ({ params }) => {
        const issue = find(params.issue)
        if (issue === undefined) return notFound("issue")
        const total = issue.comments.length
        return json(200, { startAt: 0, maxResults: 5000, total, comments: issue.comments })
      },
    },
    {
      // reference: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-get
      method: "GET",
      pattern: "/rest/api/3/issue/:issue/transitions",
      handle: ({ params, query }) => {
        const issue = find(params.issue)
        if (issue === undefined) return notFound("issue")
        const only = query.get("transitionId")
        const transitions = jiraTransitions
          .filter((t) => only === null || t.id === only)
          .map((t) => ({ ...t, isAvailable: t.to.name !== issue.status }))
        return json(200, { transitions })
      },
    },
    {
      // reference: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get
      // Only `labels = "<label>"` is understood; anything else is a 400 like an invalid JQL.
      method: "GET",
      pattern: "/rest/api/3/search/jql",
      handle: ({ query }) => {
        const jql = query.get("jql") ?? ""
        const m = /^labels\s*=\s*"((?:[^"\\]|\\.)*)"$/.exec(jql.trim())
        if (m === null) return json(400, { errorMessages: ["Error in the JQL Query."], errors: {} })
        const label = (m[1] ?? "").replace(/\\(.)/g, "$1")
        const found = [...issues.values()].filter((i) => i.labels.includes(label))
        return json(200, { issues: found.map(issueJson), isLast: true })
      },
    },
  ]
  return { routes, issues }
}

const matches = (object: Record<string, unknown>, filter: Record<string, unknown>): boolean => {
  const and = filter._and
  if (Array.isArray(and)) return and.every((f) => matches(object, f as Record<string, unknown>))
  const eq = filter._eq as { _field?: unknown; _value?: unknown } | undefined
  if (eq === undefined || typeof eq._field !== "string") return false
  const actual = object[eq._field]
  return Array.isArray(actual) ? actual.includes(eq._value) : actual === eq._value
}

/** TheHive 5 API v1 (case: recorded shape; alert/observable: reference, same `_id`/`_type` envelope). */
export const thehive = () => {
  const objects = new Map<string, Record<string, unknown>>()
  let next = 4000000
  const create = (type: string, body: unknown) => {
    const base =
      type === "Case"
        ? (fixture<Array<Record<string, unknown>>>("thehive/cases_list_v5.json")[0] ?? {})
        : { _type: type, status: "New", tags: [], tlp: 2, pap: 2, severity: 2, customFields: [] }
    const id = `~${next++}`
    const now = 1700000000000
    const object: Record<string, unknown> = {
      ...base,
      ...(typeof body === "object" && body !== null ? body : {}),
      _id: id,
      _type: type,
      _createdAt: now,
      _updatedAt: now,
      _createdBy: "riposte@simulator",
    }
    objects.set(id, object)
    return object
  }
  const observable = (parentType: "alert" | "case"): Route => ({
    method: "POST",
    pattern: `/api/v1/${parentType}/:id/observable`,
    write: true,
    handle: ({ params, body }) => {
      const parent = objects.get(params.id ?? "")
      if (parent === undefined)
        return json(404, { type: "NotFoundError", message: `${parentType} ${params.id} not found` })
      const dataType = field(body, "dataType")
      if (dataType === undefined)
        return json(400, { type: "AttributeCheckingError", message: "dataType is required" })
      const created = create("Observable", body)
      created[`_${parentType}Id`] = params.id
      return json(201, [created])
    },
  })
  const routes: ReadonlyArray<Route> = [
    {
      method: "POST",
      pattern: "/api/v1/alert",
      write: true,
      handle: ({ body }) =>
        field(body, "title") === undefined
          ? json(400, { type: "AttributeCheckingError", message: "title is required" })
          : json(201, create("Alert", body)),
    },
    {
      method: "POST",
      pattern: "/api/v1/case",
      write: true,
      handle: ({ body }) =>
        field(body, "title") === undefined
          ? json(400, { type: "AttributeCheckingError", message: "title is required" })
          : json(201, { ...create("Case", body), number: objects.size }),
    },
    observable("alert"),
    observable("case"),
    {
      // reference: https://docs.strangebee.com/thehive/api-docs/#tag/Query — a subset: listAlert /
      // listCase / getAlert / getCase, then `observables`, then `filter` with `_eq` or `_and`.
      method: "POST",
      pattern: "/api/v1/query",
      handle: ({ body }) => {
        const ops = (body as { query?: unknown } | undefined)?.query
        if (!Array.isArray(ops) || ops.length === 0)
          return json(400, { type: "BadRequest", message: "query is required" })
        let current: Array<Record<string, unknown>> = []
        for (const op of ops as Array<Record<string, unknown>>) {
          switch (op._name) {
            case "listAlert":
            case "listCase": {
              const type = op._name === "listAlert" ? "Alert" : "Case"
              current = [...objects.values()].filter((o) => o._type === type)
              break
            }
            case "getAlert":
            case "getCase": {
              const found = objects.get(String(op.idOrName))
              const type = op._name === "getAlert" ? "Alert" : "Case"
              if (found === undefined || found._type !== type)
                return json(404, {
                  type: "NotFoundError",
                  message: `${type} ${String(op.idOrName)} not found`,
                })
              current = [found]
              break
            }
            case "observables": {
              const parents = new Set(current.map((o) => o._id))
              current = [...objects.values()].filter(
                (o) => o._type === "Observable" && (parents.has(o._alertId) || parents.has(o._caseId)),
              )
              break
            }
            case "filter":
              current = current.filter((o) => matches(o, op))
              break
            default:
              return json(400, { type: "BadRequest", message: `unsupported operation ${String(op._name)}` })
          }
        }
        return json(200, current)
      },
    },
  ]
  return { routes, objects }
}
