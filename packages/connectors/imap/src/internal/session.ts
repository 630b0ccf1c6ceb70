/**
 * One authenticated IMAP session per operation (imapflow), with a hard timeout and errors mapped
 * to connector reasons that carry only a code: never a server message, a user name or a secret.
 */
import {
  ConnectorError,
  type ConnectorErrorReason,
  NotFound,
  RateLimited,
  Timeout,
  Transport,
  Unauthorized,
} from "@riposte/core"
import { Effect, Exit, Redacted } from "effect"
import { ImapFlow } from "imapflow"

export interface Login {
  readonly user: string
  readonly password: Redacted.Redacted<string>
}

export interface Endpoint {
  readonly host: string
  readonly port: number
  /** `implicit`: TLS from the first byte; `starttls`: upgrade required; `none`: cleartext. */
  readonly tls: "implicit" | "starttls" | "none"
  readonly rejectUnauthorized: boolean
  readonly ca?: string | ReadonlyArray<string> | undefined
  readonly servername?: string | undefined
  readonly timeoutMillis: number
}

interface ImapErrorShape {
  readonly authenticationFailed?: boolean
  readonly code?: string
  readonly serverResponseCode?: string
  readonly responseStatus?: string
  readonly throttleReset?: number
}

/** Maps an imapflow error to a reason; `detail` is a code, never the server's text. */
export const toReason = (error: unknown): ConnectorErrorReason => {
  const e = (typeof error === "object" && error !== null ? error : {}) as ImapErrorShape
  if (e.authenticationFailed === true || e.serverResponseCode === "AUTHENTICATIONFAILED")
    return new Unauthorized()
  if (e.code === "ETHROTTLE") {
    return typeof e.throttleReset === "number"
      ? new RateLimited({ retryAfterMillis: e.throttleReset })
      : new RateLimited({})
  }
  if (e.serverResponseCode === "NONEXISTENT") return new NotFound()
  const code = e.serverResponseCode ?? e.code ?? e.responseStatus
  return new Transport({ detail: code === undefined ? "IMAP error" : `IMAP ${code}`.slice(0, 80) })
}

/** Runs `use` inside a fresh session logged in as `login`; always logs out (or closes). */
export const withSession = <A>(
  connector: string,
  action: string,
  endpoint: Endpoint,
  login: Login,
  use: (client: ImapFlow) => Promise<A>,
): Effect.Effect<A, ConnectorError> => {
  const fail = (reason: ConnectorErrorReason) => new ConnectorError({ connector, action, reason })
  return Effect.acquireUseRelease(
    Effect.sync(
      () =>
        new ImapFlow({
          host: endpoint.host,
          port: endpoint.port,
          secure: endpoint.tls === "implicit",
          doSTARTTLS: endpoint.tls === "starttls" ? true : endpoint.tls === "none" ? false : undefined,
          tls: {
            rejectUnauthorized: endpoint.rejectUnauthorized,
            ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca as string | Array<string> }),
            ...(endpoint.servername === undefined ? {} : { servername: endpoint.servername }),
          },
          // The only place the password is unwrapped: handed to the LOGIN command.
          auth: { user: login.user, pass: Redacted.value(login.password) },
          logger: false,
          disableAutoIdle: true,
          connectionTimeout: endpoint.timeoutMillis,
          greetingTimeout: endpoint.timeoutMillis,
          socketTimeout: endpoint.timeoutMillis,
        }),
    ),
    (client) =>
      Effect.tryPromise({
        try: async () => {
          await client.connect()
          return await use(client)
        },
        catch: (error) => (error instanceof ConnectorError ? error : fail(toReason(error))),
      }),
    (client, exit) =>
      Effect.promise(async () => {
        // A failed or interrupted (timed-out) session may hang on LOGOUT: close the socket.
        if (Exit.isSuccess(exit) && client.usable) await client.logout().catch(() => client.close())
        else client.close()
      }),
  ).pipe(
    Effect.timeoutOrElse({
      duration: endpoint.timeoutMillis,
      orElse: () => Effect.fail(fail(new Timeout({ afterMillis: endpoint.timeoutMillis }))),
    }),
  )
}

/** A failure raised inside a session (thrown, so the session's promise rejects with it). */
export const abort = (connector: string, action: string, reason: ConnectorErrorReason): never => {
  throw new ConnectorError({ connector, action, reason })
}
