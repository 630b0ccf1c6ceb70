/**
 * The HTTP implementation of {@link Misp} over `@riposte/connector-kit`, with read-before-act
 * reconciliation: MISP has no idempotency header, and activities are at-least-once.
 *
 * - `addAttribute` first searches the event for an attribute with the same type and value and
 *   returns it instead of adding a second one (MISP itself refuses such a duplicate with 403).
 * - `addSighting` stores `riposte:<idempotency key>` as the sighting's `source` and first
 *   searches sightings by that source.
 *
 * @example
 * ```ts
 * import { MispHttp } from "@riposte/connector-misp"
 * import { Redacted } from "effect"
 *
 * const MispLive = MispHttp.layer({ baseUrl: "https://misp.corp.example", apiKey: Redacted.make(process.env.MISP_KEY ?? "") })
 * ```
 * @since 0.1.0
 */
import { type ConnectorRetry, HttpConnector, type RateLimiter } from "@riposte/connector-kit"
import { Connector } from "@riposte/core"
import { Effect, type Layer, Redacted, Schema } from "effect"
import { Misp, SearchResult, Sighting } from "./Misp.ts"

export interface Config {
  /** Your MISP instance, e.g. `https://misp.corp.example` (no default: MISP is self-hosted). */
  readonly baseUrl: string
  /** The automation key (Administration → Auth keys), sent as `Authorization`. */
  readonly apiKey: Redacted.Redacted<string>
  /** Hosts allowed to receive the key. Default: the base URL's host. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 30 000 (restSearch on a large instance is slow). */
  readonly timeoutMillis?: number | undefined
  /** Default 10 MiB. */
  readonly maxResponseBytes?: number | undefined
  /** Default: none (MISP has no built-in API quota). */
  readonly rateLimit?: RateLimiter.Settings | false | undefined
  readonly retry?: ConnectorRetry.Options | undefined
  /** Search before adding (see module docs). Default `true`; `false` sends one request per call. */
  readonly reconcile?: boolean | undefined
}

/** The sighting `source` that carries a call's idempotency key. */
export const sightingSource = (idempotencyKey: string): string => `riposte:${idempotencyKey}`

const sightingTypes = { seen: "0", "false-positive": "1", expiration: "2" } as const

const SightingSearch = Schema.Array(Schema.Struct({ Sighting }))
const read = <O extends Schema.Top>(output: O) => ({ output, kind: "read" as const })

/**
 * The MISP implementation Layer.
 *
 * @example
 * ```ts
 * MispHttp.layer({ baseUrl: "https://misp.corp.example", apiKey })
 * ```
 */
export const layer = (config: Config): Layer.Layer<Connector.Implementation<"misp">> => {
  const client = HttpConnector.make(
    "misp",
    {
      baseUrl: config.baseUrl,
      credentials: config.apiKey,
      allowedHosts: config.allowedHosts ?? [new URL(config.baseUrl).host],
      timeoutMillis: config.timeoutMillis ?? 30_000,
      maxResponseBytes: config.maxResponseBytes ?? 10 * 1024 * 1024,
      rateLimit: config.rateLimit === false ? undefined : config.rateLimit,
      retry: config.retry,
    },
    (apiKey) => ({ Authorization: Redacted.value(apiKey) }),
  )
  const reconcile = config.reconcile ?? true
  const actions = Misp.actions
  const decode = <K extends keyof typeof actions>(action: K, input: unknown) =>
    HttpConnector.decodeInput<(typeof actions)[K]["input"]["Type"]>("misp", action, actions[action], input)

  return Connector.layer(Misp, {
    searchAttributes: (input, ctx) =>
      Effect.flatMap(decode("searchAttributes", input), ({ value, type, limit }) =>
        client.execute(
          "searchAttributes",
          actions.searchAttributes,
          {
            method: "POST",
            path: "/attributes/restSearch",
            json: { returnFormat: "json", value, ...(type ? { type } : {}), limit: limit ?? 100, page: 1 },
          },
          ctx,
        ),
      ),

    addAttribute: (input, ctx) =>
      Effect.gen(function* () {
        const { eventId, type, value, category, toIds, comment } = yield* decode("addAttribute", input)
        if (reconcile) {
          const existing = yield* client.execute(
            "addAttribute",
            read(SearchResult),
            {
              method: "POST",
              path: "/attributes/restSearch",
              json: { returnFormat: "json", eventid: eventId, type, value, limit: 1 },
            },
            ctx,
          )
          const found = existing.response.Attribute[0]
          if (found !== undefined) return { Attribute: found }
        }
        return yield* client.execute(
          "addAttribute",
          actions.addAttribute,
          {
            method: "POST",
            path: `/attributes/add/${encodeURIComponent(eventId)}`,
            json: {
              type,
              value,
              ...(category ? { category } : {}),
              ...(toIds === undefined ? {} : { to_ids: toIds }),
              ...(comment === undefined ? {} : { comment }),
            },
            // MISP has no idempotency header; the search above reconciles instead.
            idempotencyHeader: false,
          },
          ctx,
        )
      }),

    addSighting: (input, ctx) =>
      Effect.gen(function* () {
        const { value, type } = yield* decode("addSighting", input)
        const source = sightingSource(ctx.idempotencyKey)
        if (reconcile) {
          const existing = yield* client.execute(
            "addSighting",
            read(SightingSearch),
            {
              method: "POST",
              path: "/sightings/restSearch/attribute",
              json: { returnFormat: "json", source, value },
              // MISP answers `{ response: [...] }` (older versions: a bare array).
              select: (body) =>
                typeof body === "object" && body !== null && "response" in body
                  ? (body as { response: unknown }).response
                  : body,
            },
            ctx,
          )
          const found = existing.find((s) => s.Sighting.source === source)
          if (found !== undefined) return { Sighting: found.Sighting }
        }
        return yield* client.execute(
          "addSighting",
          actions.addSighting,
          {
            method: "POST",
            path: "/sightings/add",
            json: { value, source, type: sightingTypes[type ?? "seen"] },
            idempotencyHeader: false,
          },
          ctx,
        )
      }),
  })
}
