/**
 * Microsoft Graph mail, stateful: mailboxes hold messages the test seeds; search, move (which,
 * like Graph, gives the message a NEW id), delete (moves to Deleted Items, as Graph does) and
 * move back change that state. Message bodies use the recorded Graph message shape.
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

export interface MailStore {
  /** Replaces a mailbox's content; returns the messages with their ids. */
  readonly seed: (mailbox: string, messages: ReadonlyArray<SeedMessage>) => ReadonlyArray<Message>
  /** Current messages of a mailbox (all folders). */
  readonly mailbox: (mailbox: string) => ReadonlyArray<Message>
  readonly clear: () => void
}

const graphError = (status: number, code: string, message: string): Reply =>
  json(status, {
    error: { code, message, innerError: { "request-id": "00000000-0000-0000-0000-000000000000" } },
  })

export const make = () => {
  const boxes = new Map<string, Array<Message>>()
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
    clear: () => boxes.clear(),
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
        const filter = query.get("$filter")
        if (filter === null) return collection(messages)
        const m = /^internetMessageId eq '(.*)'$/.exec(filter)
        if (m === null) return graphError(400, "ErrorInvalidUrlQueryFilter", "Unsupported $filter.")
        const wanted = (m[1] ?? "").replaceAll("''", "'")
        return collection(messages.filter((x) => x.internetMessageId === wanted))
      },
    },
    {
      method: "GET",
      pattern: "/v1.0/users/:user/mailFolders/:folder/messages",
      handle: ({ params }) => {
        const messages = box(params.user)
        if (messages === undefined)
          return graphError(404, "ErrorInvalidUser", "The requested user is invalid.")
        return collection(messages.filter((x) => x.parentFolderId === params.folder))
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
