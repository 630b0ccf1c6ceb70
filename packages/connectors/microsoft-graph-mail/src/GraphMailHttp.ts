/**
 * The HTTP implementation of {@link GraphMail} over Microsoft Graph v1.0, with an app-only
 * (client-credentials) token from the Microsoft identity platform, cached until it expires.
 *
 * Graph has no idempotency header, so destructive moves reconcile instead (read-before-act):
 * a quarantine first asks for the message *in the quarantine folder* and succeeds without moving
 * when it is already there; when the move answers 404 because an earlier attempt already moved
 * it (Graph gives a moved message a new id), the message is looked up by its Internet
 * Message-ID in the quarantine folder.
 *
 * @example
 * ```ts
 * import { GraphMailHttp } from "@riposte/connector-microsoft-graph-mail"
 * import { Redacted } from "effect"
 *
 * const GraphMailLive = GraphMailHttp.layer({
 *   tenantId: "contoso.onmicrosoft.com",
 *   clientId: "00000000-0000-0000-0000-000000000000",
 *   clientSecret: Redacted.make(process.env.GRAPH_CLIENT_SECRET ?? ""),
 * })
 * ```
 * @since 0.1.0
 */
import {
  type ConnectorRetry,
  HttpConnector,
  OAuthClientCredentials as OAuth,
  type RateLimiter,
} from "@riposte/connector-kit"
import { Connector, type ConnectorError, type NotFound } from "@riposte/core"
import { Effect, type Layer, type Redacted, Schema } from "effect"
import { GraphMail, type MessageRef } from "./GraphMail.ts"

/** App-only credentials of an Entra ID app registration with `Mail.ReadWrite`, `Mail.Send`, `User.Read.All`. */
export interface ClientCredentials {
  readonly tenantId: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Default `https://login.microsoftonline.com`. */
  readonly authorityUrl?: string | undefined
}

/** A token obtained elsewhere (managed identity, broker). It is never refreshed. */
export interface StaticToken {
  readonly accessToken: Redacted.Redacted<string>
}

export type Config = (ClientCredentials | StaticToken) & {
  /** Default `https://graph.microsoft.com`. */
  readonly baseUrl?: string | undefined
  /** Mailboxes searched when a call names none. Default: every user (`GET /v1.0/users`). */
  readonly mailboxes?: ReadonlyArray<string> | undefined
  /** Destination of `quarantineMessage`: a folder id or well-known name. Default `recoverableitemsdeletions`. */
  readonly quarantineFolder?: string | undefined
  /** Mailboxes searched in parallel. Default 4. */
  readonly searchConcurrency?: number | undefined
  /** Upper bound on users listed when `mailboxes` is not set. Default 10 000. */
  readonly maxMailboxes?: number | undefined
  /** Hosts allowed to receive the token / secret. Default: the Graph and authority hosts. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 30 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 4 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Default 10 000 requests per 10 minutes per app and mailbox; `false` disables. */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
}

export const defaultBaseUrl = "https://graph.microsoft.com"
export const defaultAuthorityUrl = "https://login.microsoftonline.com"
export const defaultQuarantineFolder = "recoverableitemsdeletions"
/** Exchange Online's documented mailbox limit: 10 000 requests per 10 minutes. */
export const defaultRateLimit: RateLimiter.Settings = { tokensPerInterval: 10_000, intervalMillis: 600_000 }

const GraphMessage = Schema.Struct({
  id: Schema.String,
  subject: Schema.optional(Schema.NullOr(Schema.String)),
  receivedDateTime: Schema.optional(Schema.NullOr(Schema.String)),
  parentFolderId: Schema.optional(Schema.NullOr(Schema.String)),
  internetMessageId: Schema.optional(Schema.NullOr(Schema.String)),
})
type GraphMessage = typeof GraphMessage.Type
const Page = <S extends Schema.Top>(item: S) =>
  Schema.Struct({ value: Schema.Array(item), "@odata.nextLink": Schema.optional(Schema.String) })
const MessagePage = Page(GraphMessage)
const UserPage = Page(
  Schema.Struct({
    userPrincipalName: Schema.optional(Schema.NullOr(Schema.String)),
    mail: Schema.optional(Schema.NullOr(Schema.String)),
  }),
)

/** OData string literal: single quotes doubled (`O'Brien` → `'O''Brien'`). */
export const odataString = (value: string): string => `'${value.replaceAll("'", "''")}'`

const segment = encodeURIComponent
const isNotFound = (e: ConnectorError): e is ConnectorError & { reason: NotFound } =>
  e.reason._tag === "NotFound"
const maxPages = 100

const toRef = (mailbox: string, m: GraphMessage): MessageRef => ({
  mailbox,
  id: m.id,
  subject: m.subject ?? null,
  receivedDateTime: m.receivedDateTime ?? null,
  parentFolderId: m.parentFolderId ?? null,
  internetMessageId: m.internetMessageId ?? null,
})

/**
 * The Microsoft Graph mail implementation Layer.
 *
 * @example
 * ```ts
 * GraphMailHttp.layer({ tenantId, clientId, clientSecret, mailboxes: ["alice@corp.example"], quarantineFolder: "junkemail" })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"microsoft-graph-mail">> => {
  const connector = GraphMail.connector
  const baseUrl = config.baseUrl ?? defaultBaseUrl
  const base = new URL(baseUrl)
  const authorityUrl = "accessToken" in config ? undefined : (config.authorityUrl ?? defaultAuthorityUrl)
  const allowedHosts = config.allowedHosts ?? [
    base.host,
    ...(authorityUrl === undefined ? [] : [new URL(authorityUrl).host]),
  ]
  const transport = {
    allowedHosts,
    timeoutMillis: config.timeoutMillis ?? 30_000,
    maxResponseBytes: config.maxResponseBytes ?? 4 * 1024 * 1024,
  }
  const rateLimit = config.rateLimit === false ? undefined : (config.rateLimit ?? defaultRateLimit)
  const tokens =
    "accessToken" in config
      ? OAuth.fixed(config.accessToken)
      : OAuth.fromEndpoint(
          connector,
          {
            tokenUrl: `${(authorityUrl ?? defaultAuthorityUrl).replace(/\/+$/, "")}/${segment(config.tenantId)}/oauth2/v2.0/token`,
            clientId: config.clientId,
            clientSecret: config.clientSecret,
            form: { scope: `${base.origin}/.default` },
          },
          transport,
        )
  const client = OAuth.bearerClient(
    connector,
    { ...transport, baseUrl, rateLimit, retry: config.retry },
    tokens,
  )
  const quarantineFolder = config.quarantineFolder ?? defaultQuarantineFolder
  const concurrency = config.searchConcurrency ?? 4
  const maxMailboxes = config.maxMailboxes ?? 10_000

  /** Follows `@odata.nextLink` on the Graph host only, at most {@link maxPages} pages. */
  const pages = <S extends Schema.Top>(
    action: string,
    schema: Schema.Struct<{ value: Schema.$Array<S>; "@odata.nextLink": Schema.optional<Schema.String> }>,
    first: HttpConnector.RequestSpec,
    context: Connector.CallContext,
    limit: number,
  ) =>
    Effect.gen(function* () {
      const items: Array<S["Type"]> = []
      let spec: HttpConnector.RequestSpec | undefined = first
      for (let page = 0; spec !== undefined && page < maxPages && items.length < limit; page++) {
        const body: { value: ReadonlyArray<S["Type"]>; "@odata.nextLink"?: string | undefined } =
          yield* client.execute(action, { output: schema, kind: "read" }, spec, context)
        items.push(...body.value)
        spec = nextPage(body["@odata.nextLink"])
      }
      return items.slice(0, limit)
    })
  const nextPage = (link: string | undefined): HttpConnector.RequestSpec | undefined => {
    if (link === undefined) return undefined
    let url: URL
    try {
      url = new URL(link)
    } catch {
      return undefined
    }
    // Never follow a link off the Graph host with the token; the kit would refuse it anyway.
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname.replace(/\/+$/, "")))
      return undefined
    return {
      method: "GET",
      path: url.pathname.slice(base.pathname.replace(/\/+$/, "").length),
      query: Object.fromEntries(url.searchParams),
    }
  }

  const listMailboxes = (action: string, context: Connector.CallContext) =>
    Effect.map(
      pages(
        action,
        UserPage,
        { method: "GET", path: "/v1.0/users", query: { $select: "userPrincipalName,mail", $top: 999 } },
        context,
        maxMailboxes,
      ),
      (users) => users.flatMap((u) => (u.mail ?? u.userPrincipalName ?? "") || []),
    )

  const searchMailbox = (
    mailbox: string,
    internetMessageId: string,
    context: Connector.CallContext,
    folder?: string,
  ) =>
    Effect.map(
      pages(
        "searchMessages",
        MessagePage,
        {
          method: "GET",
          path:
            folder === undefined
              ? `/v1.0/users/${segment(mailbox)}/messages`
              : `/v1.0/users/${segment(mailbox)}/mailFolders/${segment(folder)}/messages`,
          query: {
            $filter: `internetMessageId eq ${odataString(internetMessageId)}`,
            $select: "id,subject,receivedDateTime,parentFolderId,internetMessageId",
          },
        },
        context,
        1000,
      ),
      (messages) => messages.map((m) => toRef(mailbox, m)),
    )

  /** Read-before-act move: see the module documentation. */
  const move = (
    action: "quarantineMessage" | "restoreMessage",
    input: { readonly mailbox: string; readonly id: string; readonly internetMessageId?: string | undefined },
    destination: string,
    context: Connector.CallContext,
  ) =>
    Effect.gen(function* () {
      const user = segment(input.mailbox)
      const already = yield* client
        .execute(
          action,
          { output: GraphMessage, kind: "read" },
          {
            method: "GET",
            path: `/v1.0/users/${user}/mailFolders/${segment(destination)}/messages/${segment(input.id)}`,
            query: { $select: "id,parentFolderId" },
          },
          context,
        )
        .pipe(
          Effect.map((m): GraphMessage | undefined => m),
          Effect.catchIf(isNotFound, () => Effect.succeed(undefined)),
        )
      if (already !== undefined) return { mailbox: input.mailbox, id: already.id, previousId: input.id }
      const moved = yield* client
        .execute(
          action,
          { output: GraphMessage, kind: "destructive" },
          {
            method: "POST",
            path: `/v1.0/users/${user}/messages/${segment(input.id)}/move`,
            json: { destinationId: destination },
            // Graph has no idempotency header: the reads above and below reconcile replays.
            idempotencyHeader: false,
          },
          context,
        )
        .pipe(
          Effect.catchIf(isNotFound, (error) =>
            input.internetMessageId === undefined
              ? Effect.fail(error)
              : Effect.flatMap(
                  searchMailbox(input.mailbox, input.internetMessageId, context, destination),
                  (found) =>
                    found[0] === undefined ? Effect.fail(error) : Effect.succeed({ id: found[0].id }),
                ),
          ),
        )
      return { mailbox: input.mailbox, id: moved.id, previousId: input.id }
    })

  /** Every handler decodes its input first: junk fails with `InvalidInput` before any request. */
  const handler =
    <A extends keyof typeof GraphMail.actions, B>(
      action: A,
      run: (
        input: (typeof GraphMail.actions)[A]["input"]["Type"],
        context: Connector.CallContext,
      ) => Effect.Effect<B, ConnectorError>,
    ) =>
    (input: unknown, context: Connector.CallContext) =>
      Effect.flatMap(
        HttpConnector.decodeInput<(typeof GraphMail.actions)[A]["input"]["Type"]>(
          connector,
          action,
          GraphMail.actions[action],
          input,
        ),
        (decodedInput) => run(decodedInput, context),
      )

  return Connector.layer(GraphMail, {
    searchMessages: handler("searchMessages", (input, context) =>
      Effect.gen(function* () {
        const mailboxes =
          input.mailboxes ?? config.mailboxes ?? (yield* listMailboxes("searchMessages", context))
        const perMailbox = yield* Effect.forEach(
          mailboxes,
          (mailbox) =>
            searchMailbox(mailbox, input.internetMessageId, context).pipe(
              // Listed users without a mailbox answer 404; a mailbox the caller named must exist.
              Effect.catchIf(
                (e) => isNotFound(e) && input.mailboxes === undefined && config.mailboxes === undefined,
                () => Effect.succeed([] as ReadonlyArray<MessageRef>),
              ),
            ),
          { concurrency },
        )
        return { messages: perMailbox.flat() }
      }),
    ),
    quarantineMessage: handler("quarantineMessage", (input, context) =>
      move("quarantineMessage", input, input.folder ?? quarantineFolder, context),
    ),
    restoreMessage: handler("restoreMessage", (input, context) =>
      move("restoreMessage", input, input.folder ?? "inbox", context),
    ),
    sendMail: handler("sendMail", (input, context) =>
      client.execute(
        "sendMail",
        { output: Schema.Struct({ sent: Schema.Boolean }), kind: "write" },
        {
          method: "POST",
          path: `/v1.0/users/${segment(input.from)}/sendMail`,
          json: {
            message: {
              subject: input.subject,
              body: { contentType: "Text", content: input.body },
              toRecipients: [{ emailAddress: { address: input.to } }],
            },
            saveToSentItems: true,
          },
          // Graph has no dedupe for sendMail: a replay after a lost 202 sends a second copy.
          idempotencyHeader: false,
          select: () => ({ sent: true }),
        },
        context,
      ),
    ),
  })
}
