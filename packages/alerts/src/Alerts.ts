/**
 * Normalizes vendor alerts into `Alert`s: by named vendor (`normalize`) or by sniffing the
 * payload's shape (`detect`). A payload that cannot be normalized fails with an `AlertError`
 * that keeps the payload in `raw`.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { Alert, type Entities, type Observable, type Vendor } from "./Alert.ts"
import { AlertError, Invalid, UnknownShape } from "./AlertError.ts"
import { InvalidField, isRecord } from "./internal/Read.ts"
import { CrowdStrike } from "./internal/vendors/CrowdStrike.ts"
import { DefenderForCloud } from "./internal/vendors/DefenderForCloud.ts"
import { GoogleSecOps, secOpsEntities } from "./internal/vendors/GoogleSecOps.ts"
import { GraphSecurity } from "./internal/vendors/GraphSecurity.ts"
import { type Normalizer, normalizeAll } from "./internal/vendors/Normalizer.ts"
import { Okta } from "./internal/vendors/Okta.ts"
import { Sentinel, sentinelEntities } from "./internal/vendors/Sentinel.ts"
import { Splunk } from "./internal/vendors/Splunk.ts"

// Order matters only for `detect`: the most specific shapes first.
const normalizers: ReadonlyArray<Normalizer> = [
  Sentinel,
  DefenderForCloud,
  GraphSecurity,
  CrowdStrike,
  GoogleSecOps,
  Okta,
  Splunk,
]

const byVendor = new Map(normalizers.map((n) => [n.vendor, n]))

/** Every vendor `normalize` accepts. */
export const vendors: ReadonlyArray<Vendor> = normalizers.map((n) => n.vendor)

/**
 * Azure REST API examples (and some exports) wrap the response as
 * `{ parameters, responses: { "200": { body } } }`: unwrap to the body.
 */
const unwrap = (json: unknown): unknown => {
  if (!isRecord(json) || !isRecord(json.parameters) || !isRecord(json.responses)) return json
  const ok = Object.hasOwn(json.responses, "200") ? json.responses["200"] : undefined
  return isRecord(ok) && Object.hasOwn(ok, "body") ? ok.body : json
}

const validate = Schema.decodeUnknownEffect(Schema.Array(Alert))

const run = (n: Normalizer, json: unknown): Effect.Effect<ReadonlyArray<Alert>, AlertError> => {
  const fail = (reason: UnknownShape | Invalid) => new AlertError({ vendor: n.vendor, reason, raw: json })
  return Effect.suspend(() => {
    const items = n.items(unwrap(json))
    if (items === undefined) {
      return Effect.fail(fail(new UnknownShape({ hint: `expected a ${n.vendor} alert object or list` })))
    }
    try {
      return Effect.succeed(normalizeAll(n, items))
    } catch (e) {
      if (e instanceof InvalidField)
        return Effect.fail(fail(new Invalid({ path: [...e.path], message: e.message })))
      return Effect.die(e)
    }
  }).pipe(
    Effect.flatMap((alerts) =>
      validate(alerts).pipe(
        Effect.mapError((e) =>
          fail(new Invalid({ path: [], message: `normalized alert failed validation: ${e.message}` })),
        ),
      ),
    ),
  )
}

/**
 * Normalizes a payload from a named vendor. Accepts one alert, an array, or the vendor's list
 * envelope (`{ value: [...] }`, `{ resources: [...] }`, `{ events: [...] }`, …).
 *
 * @example
 * ```ts
 * const alerts = yield* Alerts.normalize("crowdstrike", await res.json())
 * alerts[0].techniques // ["T1134"]
 * ```
 */
export const normalize: (vendor: Vendor, json: unknown) => Effect.Effect<ReadonlyArray<Alert>, AlertError> =
  Effect.fn("Alerts.normalize")(function* (vendor: Vendor, json: unknown) {
    const n = byVendor.get(vendor)
    if (n === undefined) {
      return yield* new AlertError({
        vendor,
        reason: new UnknownShape({ hint: `no normalizer for ${vendor}` }),
        raw: json,
      })
    }
    return yield* run(n, json)
  })

/** The vendor whose shape `json` has (looking at the first item of a list), if any. */
export const sniff = (json: unknown): Vendor | undefined => {
  const body = unwrap(json)
  for (const n of normalizers) {
    const items = n.items(body)
    if (items !== undefined && items.length > 0 && n.isItem(items[0])) return n.vendor
  }
  return undefined
}

/**
 * Sniffs the vendor from the payload's shape, then normalizes. An unrecognised shape fails with
 * `AlertError { reason: UnknownShape }` carrying the payload in `raw`.
 *
 * @example
 * ```ts
 * const alerts = yield* Alerts.detect(JSON.parse(body)).pipe(
 *   Effect.catchTag("AlertError", (e) => quarantine(e.raw, e.message)))
 * ```
 */
export const detect: (json: unknown) => Effect.Effect<ReadonlyArray<Alert>, AlertError> = Effect.fn(
  "Alerts.detect",
)(function* (json: unknown) {
  const vendor = sniff(json)
  if (vendor === undefined) {
    const hint = Array.isArray(json) && json.length === 0 ? "empty list" : "no known SIEM/XDR alert shape"
    return yield* new AlertError({ reason: new UnknownShape({ hint }), raw: json })
  }
  return yield* normalize(vendor, json)
})

/** What an entity-context payload (not an alert) reveals: observables and entities. */
export interface Context {
  readonly observables: ReadonlyArray<Observable>
  readonly entities: Entities
}

/**
 * Reads an entity-context payload: Sentinel "incident entities" (`{ entities: [...] }`) or
 * Google SecOps entity context. Use it to enrich an alert fetched separately.
 *
 * @example
 * ```ts
 * const ctx = yield* Alerts.entities("sentinel", entitiesResponse)
 * ctx.entities.users // [{ name: "administrator", domain: "domain" }]
 * ```
 */
export const entities = (
  vendor: "sentinel" | "google-secops",
  json: unknown,
): Effect.Effect<Context, AlertError> =>
  Effect.suspend(() => {
    const b = vendor === "sentinel" ? sentinelEntities(unwrap(json)) : secOpsEntities(unwrap(json))
    return b === undefined
      ? Effect.fail(
          new AlertError({
            vendor,
            reason: new UnknownShape({ hint: `expected ${vendor} entities` }),
            raw: json,
          }),
        )
      : Effect.succeed({ observables: b.observables, entities: b.entities() })
  })
