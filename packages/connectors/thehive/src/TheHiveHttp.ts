/**
 * The HTTP implementation of {@link TheHive} over `@riposte/connector-kit`, with read-before-act
 * reconciliation: TheHive has no idempotency header and activities are at-least-once, so every
 * created object carries the tag `riposte:<idempotency key>` and each write first queries for
 * an object with that tag (`POST /api/v1/query`), returning it instead of creating a second one.
 *
 * @example
 * ```ts
 * import { TheHiveHttp } from "@riposte/connector-thehive"
 * import { Redacted } from "effect"
 *
 * const TheHiveLive = TheHiveHttp.layer({ baseUrl: "https://thehive.corp.example", apiKey: Redacted.make(process.env.THEHIVE_KEY ?? "") })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import { Connector } from "@riposte/core"
import { Effect, type Layer, Redacted, Schema } from "effect"
import { Alert, Case, Observable, TheHive } from "./TheHive.ts"

export interface Config {
  /** Your TheHive instance, e.g. `https://thehive.corp.example` (no default: self-hosted). */
  readonly baseUrl: string
  /** An API key, sent as `Authorization: Bearer …`. */
  readonly apiKey: Redacted.Redacted<string>
  /** Organisation to act in (`X-Organisation`), when the key's user belongs to several. */
  readonly organisation?: string | undefined
  /** Hosts allowed to receive the key. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 20 000. */
  readonly timeoutMillis?: number | undefined
  /** Default 5 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Default: none (TheHive has no API quota). */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
  /** Query for the `riposte:<key>` tag before creating. Default `true`. */
  readonly reconcile?: boolean | undefined
}

/** The tag that carries a call's idempotency key. */
export const keyTag = (idempotencyKey: string): string => `riposte:${idempotencyKey}`

const byTag = (tag: string) => ({ _name: "filter", _eq: { _field: "tags", _value: tag } })
const read = <O extends Schema.Top>(output: O) => ({ output, kind: "read" as const })
const withTag = (tags: ReadonlyArray<string> | undefined, tag: string) => [...(tags ?? []), tag]

/**
 * The TheHive implementation Layer.
 *
 * @example
 * ```ts
 * TheHiveHttp.layer({ baseUrl: "https://thehive.corp.example", apiKey, organisation: "SOC" })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"thehive">> => {
  const client = HttpConnector.make(
    "thehive",
    {
      baseUrl: config.baseUrl,
      credentials: config.apiKey,
      allowedHosts: config.allowedHosts ?? [new URL(config.baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 20_000,
      maxResponseBytes: config.maxResponseBytes ?? 5 * 1024 * 1024,
      rateLimit: config.rateLimit === false ? undefined : config.rateLimit,
      retry: config.retry,
    },
    (apiKey) => ({ Authorization: `Bearer ${Redacted.value(apiKey)}` }),
  )
  const headers = config.organisation === undefined ? undefined : { "X-Organisation": config.organisation }
  const reconcile = config.reconcile ?? true
  const actions = TheHive.actions
  const decode = <K extends keyof typeof actions>(action: K, input: unknown) =>
    HttpConnector.decodeInput<(typeof actions)[K]["input"]["Type"]>("thehive", action, actions[action], input)

  /** Runs `query` and returns its first hit, when reconciling. */
  const lookup = <O extends Schema.Top>(
    action: string,
    output: O,
    query: ReadonlyArray<unknown>,
    ctx: Connector.CallContext,
  ): Effect.Effect<O["Type"] | undefined, import("@riposte/core").ConnectorError> =>
    reconcile
      ? client
          .execute(
            action,
            read(Schema.Array(output)),
            { method: "POST", path: "/api/v1/query", json: { query }, headers },
            ctx,
          )
          .pipe(Effect.map((found) => found[0]))
      : Effect.succeed(undefined)

  return Connector.layer(TheHive, {
    createAlert: (input, ctx) =>
      Effect.gen(function* () {
        const alert = yield* decode("createAlert", input)
        const tag = keyTag(ctx.idempotencyKey)
        const existing = yield* lookup("createAlert", Alert, [{ _name: "listAlert" }, byTag(tag)], ctx)
        if (existing !== undefined) return existing
        return yield* client.execute(
          "createAlert",
          actions.createAlert,
          {
            method: "POST",
            path: "/api/v1/alert",
            json: { ...alert, tags: withTag(alert.tags, tag) },
            headers,
            // TheHive has no idempotency header; the tag query above reconciles instead.
            idempotencyHeader: false,
          },
          ctx,
        )
      }),

    createCase: (input, ctx) =>
      Effect.gen(function* () {
        const kase = yield* decode("createCase", input)
        const tag = keyTag(ctx.idempotencyKey)
        const existing = yield* lookup("createCase", Case, [{ _name: "listCase" }, byTag(tag)], ctx)
        if (existing !== undefined) return existing
        return yield* client.execute(
          "createCase",
          actions.createCase,
          {
            method: "POST",
            path: "/api/v1/case",
            json: { ...kase, tags: withTag(kase.tags, tag) },
            headers,
            idempotencyHeader: false,
          },
          ctx,
        )
      }),

    addObservable: (input, ctx) =>
      Effect.gen(function* () {
        const { parent, parentId, ...observable } = yield* decode("addObservable", input)
        const tag = keyTag(ctx.idempotencyKey)
        const get = parent === "alert" ? "getAlert" : "getCase"
        const existing = yield* lookup(
          "addObservable",
          Observable,
          [{ _name: get, idOrName: parentId }, { _name: "observables" }, byTag(tag)],
          ctx,
        )
        if (existing !== undefined) return [existing]
        return yield* client.execute(
          "addObservable",
          actions.addObservable,
          {
            method: "POST",
            path: `/api/v1/${parent}/${encodeURIComponent(parentId)}/observable`,
            json: { ...observable, tags: withTag(observable.tags, tag) },
            headers,
            idempotencyHeader: false,
          },
          ctx,
        )
      }),
  })
}
