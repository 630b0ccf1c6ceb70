/**
 * The implementation of {@link Imap} over imapflow: one authenticated session per mailbox and
 * operation, either with a master user (Dovecot `user*master`, or any server's equivalent) or
 * with per-mailbox credentials.
 *
 * IMAP has no idempotency keys, so moves reconcile instead (read-before-act): a message already
 * in the destination folder is not moved; when the UID is gone because an earlier attempt moved
 * it, the message is looked up by its Message-ID in the destination. Needs MOVE and UIDPLUS
 * (Dovecot, Cyrus, Exchange, Gmail, Stalwart… all have them).
 *
 * @example
 * ```ts
 * import { ImapClient } from "@riposte/connector-imap"
 * import { Redacted } from "effect"
 *
 * const ImapLive = ImapClient.layer({
 *   host: "imap.corp.example",
 *   auth: { kind: "master", user: "riposte", password: Redacted.make(process.env.IMAP_MASTER ?? "") },
 *   mailboxes: ["alice@corp.example", "bob@corp.example"],
 * })
 * ```
 * @since 0.1.0
 */
import { HttpConnector } from "@riposte/connector-kit"
import {
  Conflict,
  Connector,
  ConnectorError,
  type ConnectorErrorReason,
  InvalidResponse,
  NotFound,
  Refused,
} from "@riposte/core"
import { Effect, type Layer, type Redacted } from "effect"
import type { ImapFlow } from "imapflow"
import { Imap, type MessageRef, type Moved } from "./Imap.ts"
import { abort, type Endpoint, type Login, withSession } from "./internal/session.ts"

export type Auth =
  /** One privileged login reaching every mailbox: `<mailbox><separator><user>` (Dovecot master users). */
  | {
      readonly kind: "master"
      readonly user: string
      readonly password: Redacted.Redacted<string>
      /** Default `*` (Dovecot's `auth_master_user_separator`). */
      readonly separator?: string | undefined
    }
  /** One password per mailbox (the mailbox name is the login). */
  | { readonly kind: "perMailbox"; readonly passwords: Readonly<Record<string, Redacted.Redacted<string>>> }

export interface Config {
  readonly host: string
  /** Default 993 with `tls: "implicit"`, else 143. */
  readonly port?: number | undefined
  /**
   * Default `implicit` (IMAPS). `starttls` requires the upgrade. `none` (cleartext) is refused
   * unless the host is a loopback address: credentials never cross a network in clear.
   */
  readonly tls?: "implicit" | "starttls" | "none" | undefined
  /** Default true. */
  readonly rejectUnauthorized?: boolean | undefined
  /** PEM CA bundle for a private CA. */
  readonly ca?: string | ReadonlyArray<string> | undefined
  readonly servername?: string | undefined
  readonly auth: Auth
  /** Mailboxes searched when a call names none. Default: the `perMailbox` keys (required with `master`). */
  readonly mailboxes?: ReadonlyArray<string> | undefined
  /** Default `Quarantine` (created in each mailbox on first use). */
  readonly quarantineFolder?: string | undefined
  /** Folders searched: `"all"` (every selectable folder, the default) or a list. */
  readonly searchFolders?: "all" | ReadonlyArray<string> | undefined
  /** Per session (connect + work + logout). Default 30 000. */
  readonly timeoutMillis?: number | undefined
  /** Mailboxes searched in parallel. Default 4. */
  readonly concurrency?: number | undefined
}

const loopback = /^(?:localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i

interface Move {
  readonly mailbox: string
  readonly folder: string
  readonly uid: number
  readonly uidValidity?: string | undefined
  readonly messageId?: string | undefined
}

/** Exact Message-ID matches among the UIDs a header SEARCH returned (SEARCH is a substring match). */
const exactMatches = async (client: ImapFlow, messageId: string) => {
  const uids = await client.search({ header: { "message-id": messageId } }, { uid: true })
  if (!Array.isArray(uids) || uids.length === 0) return []
  const fetched = await client.fetchAll(uids, { uid: true, envelope: true }, { uid: true })
  return fetched.filter((m) => m.envelope?.messageId === messageId)
}

/**
 * The IMAP implementation Layer.
 *
 * @example
 * ```ts
 * ImapClient.layer({ host: "127.0.0.1", port: 10143, tls: "none", auth: { kind: "perMailbox", passwords } })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"imap">> => {
  const connector = Imap.connector
  const tls = config.tls ?? "implicit"
  const endpoint: Endpoint = {
    host: config.host,
    port: config.port ?? (tls === "implicit" ? 993 : 143),
    tls,
    rejectUnauthorized: config.rejectUnauthorized ?? true,
    ca: config.ca,
    servername: config.servername,
    timeoutMillis: config.timeoutMillis ?? 30_000,
  }
  const quarantine = config.quarantineFolder ?? "Quarantine"
  const concurrency = config.concurrency ?? 4
  const configured =
    config.mailboxes ?? (config.auth.kind === "perMailbox" ? Object.keys(config.auth.passwords) : [])

  const error = (action: string, reason: ConnectorErrorReason) =>
    new ConnectorError({ connector, action, reason })

  const loginFor = (action: string, mailbox: string): Effect.Effect<Login, ConnectorError> => {
    if (tls === "none" && !loopback.test(config.host)) {
      return Effect.fail(
        error(action, new Refused({ detail: "cleartext IMAP is allowed to loopback hosts only" })),
      )
    }
    const auth = config.auth
    if (auth.kind === "master") {
      return Effect.succeed({
        user: `${mailbox}${auth.separator ?? "*"}${auth.user}`,
        password: auth.password,
      })
    }
    const password = Object.hasOwn(auth.passwords, mailbox) ? auth.passwords[mailbox] : undefined
    return password === undefined
      ? Effect.fail(error(action, new Refused({ detail: "no credentials configured for this mailbox" })))
      : Effect.succeed({ user: mailbox, password })
  }

  const session = <A>(action: string, mailbox: string, use: (client: ImapFlow) => Promise<A>) =>
    Effect.flatMap(loginFor(action, mailbox), (login) => withSession(connector, action, endpoint, login, use))

  const folders = async (client: ImapFlow): Promise<ReadonlyArray<string>> => {
    if (config.searchFolders !== undefined && config.searchFolders !== "all") return config.searchFolders
    const listed = await client.list()
    return listed
      .filter((f) => !f.flags.has("\\Noselect") && !f.flags.has("\\NonExistent"))
      .map((f) => f.path)
  }

  const searchMailbox = (mailbox: string, messageId: string) =>
    session("searchMessages", mailbox, async (client) => {
      const found: Array<MessageRef> = []
      for (const folder of await folders(client)) {
        const lock = await client.getMailboxLock(folder, { readOnly: true }).catch(() => undefined)
        if (lock === undefined) continue // listed but not selectable (e.g. removed meanwhile)
        try {
          const box = client.mailbox
          const uidValidity = box === false ? "0" : String(box.uidValidity)
          for (const m of await exactMatches(client, messageId)) {
            found.push({
              mailbox,
              folder,
              uid: m.uid,
              uidValidity,
              messageId,
              subject: m.envelope?.subject ?? null,
            })
          }
        } finally {
          lock.release()
        }
      }
      return found
    })

  /** Read-before-act move (see the module documentation). */
  const move = (action: "quarantineMessage" | "restoreMessage", input: Move, destination: string) =>
    session(action, input.mailbox, async (client): Promise<Moved> => {
      const result = (uid: number, uidValidity: string, alreadyThere: boolean): Moved => ({
        mailbox: input.mailbox,
        folder: destination,
        uid,
        uidValidity,
        previousFolder: input.folder,
        previousUid: input.uid,
        alreadyThere,
      })
      if (input.folder === destination) {
        return result(
          input.uid,
          input.uidValidity ?? (await uidValidityOf(client, destination, action)),
          true,
        )
      }
      if (action === "quarantineMessage") {
        // Created on first use; ALREADYEXISTS is the normal case, and any other failure
        // surfaces as the MOVE's own error below.
        await client.mailboxCreate(destination).catch(() => undefined)
      }
      const lock = await client.getMailboxLock(input.folder).catch(() => undefined)
      let stillThere = false
      if (lock !== undefined) {
        try {
          const box = client.mailbox
          const current = box === false ? undefined : String(box.uidValidity)
          if (input.uidValidity !== undefined && current !== input.uidValidity) {
            // The folder was recreated: this UID may now name another message.
            abort(connector, action, new Conflict())
          }
          const hit = await client.search({ uid: String(input.uid) }, { uid: true })
          stillThere = Array.isArray(hit) && hit.includes(input.uid)
          if (stillThere) {
            const moved = await client.messageMove(String(input.uid), destination, { uid: true })
            const newUid = moved === false ? undefined : moved.uidMap?.get(input.uid)
            if (moved !== false && newUid !== undefined && moved.uidValidity !== undefined) {
              return result(newUid, String(moved.uidValidity), false)
            }
            if (moved === false)
              abort(connector, action, new InvalidResponse({ path: "$move", detail: "MOVE failed" }))
          }
        } finally {
          lock.release()
        }
      }
      // Gone from the source (moved by an earlier attempt), or moved without UIDPLUS: find it.
      if (input.messageId !== undefined) {
        const destLock = await client.getMailboxLock(destination, { readOnly: true }).catch(() => undefined)
        if (destLock !== undefined) {
          try {
            const box = client.mailbox
            const [found] = await exactMatches(client, input.messageId)
            if (found !== undefined && box !== false)
              return result(found.uid, String(box.uidValidity), !stillThere)
          } finally {
            destLock.release()
          }
        }
      }
      return stillThere
        ? abort(
            connector,
            action,
            new InvalidResponse({ path: "$uidplus", detail: "server did not report the new UID" }),
          )
        : abort(connector, action, new NotFound())
    })

  const uidValidityOf = async (client: ImapFlow, folder: string, action: string): Promise<string> => {
    const status = await client.status(folder, { uidValidity: true }).catch(() => false as const)
    return status === false || status.uidValidity === undefined
      ? abort(connector, action, new NotFound())
      : String(status.uidValidity)
  }

  const handler =
    <A extends keyof typeof Imap.actions, B>(
      action: A,
      run: (input: (typeof Imap.actions)[A]["input"]["Type"]) => Effect.Effect<B, ConnectorError>,
    ) =>
    (input: unknown) =>
      Effect.flatMap(
        HttpConnector.decodeInput<(typeof Imap.actions)[A]["input"]["Type"]>(
          connector,
          action,
          Imap.actions[action],
          input,
        ),
        run,
      ).pipe(
        Effect.withSpan(`connector ${connector}.${action}`, {
          attributes: {
            "riposte.connector": connector,
            "riposte.action": action,
            "server.address": config.host,
          },
        }),
      )

  return Connector.layer(Imap, {
    searchMessages: handler("searchMessages", ({ messageId, mailboxes }) =>
      Effect.map(
        Effect.forEach(mailboxes ?? configured, (mailbox) => searchMailbox(mailbox, messageId), {
          concurrency,
        }),
        (perMailbox) => ({ messages: perMailbox.flat() }),
      ),
    ),
    quarantineMessage: handler("quarantineMessage", (input) => move("quarantineMessage", input, quarantine)),
    restoreMessage: handler("restoreMessage", (input) =>
      move("restoreMessage", input, input.toFolder ?? "INBOX"),
    ),
  })
}
