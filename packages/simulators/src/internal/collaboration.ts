/**
 * Notification and ticketing vendors: Slack, Jira, TheHive 5. Created objects are kept so
 * follow-up calls (comment, transition, observable) hit 404 for unknown ids like the real APIs.
 */
import { fixture } from "./fixtures.ts"
import { field, json, notFound, type Route } from "./router.ts"

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
          },
        })
      },
    },
  ]
}

interface Issue {
  readonly id: string
  readonly key: string
  status: string
  readonly comments: Array<unknown>
}

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
        const fields = (body as { fields?: { project?: { key?: string }; summary?: string } } | undefined)
          ?.fields
        if (fields?.project?.key === undefined || fields.summary === undefined) {
          return json(400, {
            errorMessages: [],
            errors: { summary: "You must specify a summary of the issue." },
          })
        }
        const id = String(next++)
        const key = `${fields.project.key}-${issues.size + 1}`
        issues.set(id, { id, key, status: "To Do", comments: [] })
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
          body: (body as { body?: unknown })?.body,
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
        if (status === undefined)
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
        return issue === undefined
          ? notFound("issue")
          : json(200, {
              id: issue.id,
              key: issue.key,
              fields: { status: { name: issue.status }, comment: { total: issue.comments.length } },
            })
      },
    },
  ]
  return { routes, issues }
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
    const object = {
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
      return json(201, [{ ...create("Observable", body), [`_${parentType}Id`]: params.id }])
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
  ]
  return { routes, objects }
}
