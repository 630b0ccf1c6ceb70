/**
 * Microsoft Graph mail, stateful: mailboxes hold messages the test seeds; search, move (which,
 * like Graph, gives the message a NEW id), delete (moves to Deleted Items, as Graph does) and
 * move back change that state. Message bodies use the recorded Graph message shape.
 * Also: the Microsoft identity platform's client-credentials token endpoint
 * (`POST /:tenant/oauth2/v2.0/token`), reading a message through a folder (404 when it is not in
 * that folder: what connectors use to check "already quarantined" before moving) and sendMail
 * (recorded in `sent()`). Folder ids are their names (Graph's well-known names work the same).
 */
import { fixture } from "./fixtures.ts"
import { field, json, type Reply, type Route } from "./router.ts"

export interface Message {
  id: string
  readonly internetMessageId: string
  readonly subject: string
  parentFolderId: string
  readonly from: string
}

export interface SeedMessage {
  readonly internetMessageId: string
  readonly subject?: string
  readonly folder?: string
  readonly from?: string
}

export interface SentMail {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly body: string
}

export interface MailStore {
  /** Replaces a mailbox's content; returns the messages with their ids. */
  readonly seed: (mailbox: string, messages: ReadonlyArray<SeedMessage>) => ReadonlyArray<Message>
  /** Current messages of a mailbox (all folders). */
  readonly mailbox: (mailbox: string) => ReadonlyArray<Message>
  readonly clear: () => void
  /** Messages sent with `POST /v1.0/users/:user/sendMail`, oldest first. */
  readonly sent: () => ReadonlyArray<SentMail>
  /** Access tokens issued by the token endpoint so far. */
  readonly tokensIssued: () => number
}

const graphError = (status: number, code: string, message: string): Reply =>
  json(status, {
    error: { code, message, innerError: { "request-id": "00000000-0000-0000-0000-000000000000" } },
  })

export const make = () => {
  const boxes = new Map<string, Array<Message>>()
  const outbox: Array<SentMail> = []
  let tokens = 0
  let counter = 0
  const newId = () => `AAMkAGI2${(counter++).toString(36).padStart(8, "0")}AAA=`
  const box = (name: string | undefined) => boxes.get((name ?? "").toLowerCase())

  const render = (m: Message) => {
    const template = fixture<{ value: Array<Record<string, unknown>> }>(
      "microsoft-graph/list_messages_response_with_one_mail.json",
    ).value[0]
    const address = { emailAddress: { name: m.from, address: m.from } }
    return {
      ...template,
      id: m.id,
      internetMessageId: m.internetMessageId,
      subject: m.subject,
      parentFolderId: m.parentFolderId,
      sender: address,
      from: address,
    }
  }
  const collection = (messages: ReadonlyArray<Message>) =>
    json(200, {
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('x')/messages",
      value: messages.map(render),
    })

  const store: MailStore = {
    seed: (mailbox, messages) => {
      const seeded = messages.map((m) => ({
        id: newId(),
        internetMessageId: m.internetMessageId,
        subject: m.subject ?? "(no subject)",
        parentFolderId: m.folder ?? "inbox",
        from: m.from ?? "sender@example.com",
      }))
      boxes.set(mailbox.toLowerCase(), seeded)
      return seeded.map((m) => ({ ...m }))
    },
    mailbox: (mailbox) => (box(mailbox) ?? []).map((m) => ({ ...m })),
    clear: () => {
      boxes.clear()
      outbox.length = 0
    },
    sent: () => outbox.map((m) => ({ ...m, to: [...m.to] })),
    tokensIssued: () => tokens,
  }

  /** `$filter=internetMessageId eq '…'` (quotes doubled inside), the only filter Graph mail search needs here. */
  const filtered = (messages: ReadonlyArray<Message>, filter: string | null): Reply => {
    if (filter === null) return collection(messages)
    const m = /^internetMessageId eq '((?:[^']|'')*)'$/.exec(filter)
    if (m === null) return graphError(400, "ErrorInvalidUrlQueryFilter", "Unsupported $filter.")
    const wanted = (m[1] ?? "").replaceAll("''", "'")
    return collection(messages.filter((x) => x.internetMessageId === wanted))
  }

  const routes: ReadonlyArray<Route> = [
    {
      method: "GET",
      pattern: "/v1.0/users",
      handle: () =>
        json(200, {
          value: [...boxes.keys()].map((upn) => ({ id: upn, userPrincipalName: upn, mail: upn })),
        }),
    },
    {
      method: "GET",
      pattern: "/v1.0/users/:user/messages",
      handle: ({ params, query }) => {
        const messages = box(params.user)
        if (messages === undefined)
          return graphError(404, "ErrorInvalidUser", "The requested user is invalid.")
        return filtered(messages, query.get("$filter"))
      },
    },
    {
      method: "GET",
      pattern: "/v1.0/users/:user/mailFolders/:folder/messages",
      handle: ({ params, query }) => {
        const messages = box(params.user)
        if (messages === undefined)
          return graphError(404, "ErrorInvalidUser", "The requested user is invalid.")
        return filtered(
          messages.filter((x) => x.parentFolderId === params.folder),
          query.get("$filter"),
        )
      },
    },
    {
      // reference: GET /users/{id}/mailFolders/{id}/messages/{id}; 404 when not in that folder
      method: "GET",
      pattern: "/v1.0/users/:user/mailFolders/:folder/messages/:id",
      handle: ({ params }) => {
        const message = box(params.user)?.find(
          (x) => x.id === params.id && x.parentFolderId === params.folder,
        )
        if (message === undefined)
          return graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return json(200, render(message))
      },
    },
    {
      // reference: POST /users/{id}/sendMail → 202 Accepted, empty body
      method: "POST",
      pattern: "/v1.0/users/:user/sendMail",
      write: true,
      handle: ({ params, body }) => {
        const message = (body as { message?: Record<string, unknown> } | undefined)?.message
        const recipients = message?.toRecipients
        const subject = message?.subject
        const content = (message?.body as { content?: unknown } | undefined)?.content
        if (!Array.isArray(recipients) || recipients.length === 0 || typeof subject !== "string")
          return graphError(400, "ErrorInvalidRecipients", "At least one recipient is not valid.")
        const to = recipients.map((r) =>
          String((r as { emailAddress?: { address?: unknown } })?.emailAddress?.address),
        )
        outbox.push({
          from: params.user ?? "",
          to,
          subject,
          body: typeof content === "string" ? content : "",
        })
        return { status: 202 }
      },
    },
    {
      // reference: Microsoft identity platform client-credentials grant
      method: "POST",
      pattern: "/:tenant/oauth2/v2.0/token",
      handle: ({ body }) => {
        if (field(body, "grant_type") !== "client_credentials")
          return json(400, { error: "unsupported_grant_type", error_description: "AADSTS70003" })
        if (!field(body, "client_id") || !field(body, "client_secret"))
          return json(401, {
            error: "invalid_client",
            error_description: "AADSTS7000215: Invalid client secret provided.",
          })
        tokens++
        return json(200, {
          token_type: "Bearer",
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: `simulated-graph-token-${tokens}`,
        })
      },
    },
    {
      method: "POST",
      pattern: "/v1.0/users/:user/messages/:id/move",
      write: true,
      handle: ({ params, body }) => {
        const message = box(params.user)?.find((x) => x.id === params.id)
        if (message === undefined)
          return graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        const destination = field(body, "destinationId")
        if (destination === undefined)
          return graphError(400, "ErrorInvalidRequest", "destinationId is required.")
        message.parentFolderId = destination
        message.id = newId()
        return json(201, render(message))
      },
    },
    {
      method: "DELETE",
      pattern: "/v1.0/users/:user/messages/:id",
      write: true,
      handle: ({ params }) => {
        const message = box(params.user)?.find((x) => x.id === params.id)
        if (message === undefined)
          return graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        message.parentFolderId = "deleteditems"
        return { status: 204 }
      },
    },
  ]
  return { routes, store }
}
