/**
 * A `geoip` connector over a LOCAL database: geoip-lite ships MaxMind GeoLite2-derived data
 * inside its npm package (no download, no API key, no network at runtime). The lookup runs as a
 * journaled activity, so a replayed run sees the location it saw the first time even if the
 * database was updated in between.
 */
import { createRequire } from "node:module"
import { Connector, ConnectorError, InvalidInput } from "@riposte/core"
import { Effect, Schema } from "effect"

export const Location = Schema.Struct({
  ip: Schema.String,
  found: Schema.Boolean,
  country: Schema.NullOr(Schema.String),
  city: Schema.NullOr(Schema.String),
  latitude: Schema.NullOr(Schema.Number),
  longitude: Schema.NullOr(Schema.Number),
  /** Accuracy radius in km, as the database states it. */
  accuracyKm: Schema.NullOr(Schema.Number),
})
export type Location = typeof Location.Type

export const GeoIp = Connector.make("geoip", {
  version: "1",
  description: "IP geolocation from a local database.",
  actions: {
    lookup: Connector.action({
      input: Schema.Struct({ ip: Schema.String.check(Schema.isMaxLength(45)) }),
      output: Location,
      kind: "read",
    }),
  },
})

interface GeoLiteRecord {
  readonly country: string
  readonly city: string
  readonly ll: readonly [number, number]
  readonly area: number
}
interface GeoLite {
  readonly lookup: (ip: string) => GeoLiteRecord | null
}

let database: GeoLite | undefined
/** Loads geoip-lite once (about 100 ms and ~120 MB of tables), on first use. */
const geoLite = (): GeoLite => {
  database ??= createRequire(import.meta.url)("geoip-lite") as GeoLite
  return database
}

/** Looks an address up in the local database (pure function of the packaged data). */
export const locate = (ip: string): Location => {
  const r = geoLite().lookup(ip)
  if (r === null)
    return { ip, found: false, country: null, city: null, latitude: null, longitude: null, accuracyKm: null }
  return {
    ip,
    found: true,
    country: r.country || null,
    city: r.city || null,
    latitude: r.ll[0],
    longitude: r.ll[1],
    accuracyKm: r.area,
  }
}

/**
 * The real implementation of the `geoip` connector (local data, no network).
 *
 * @example
 * ```ts
 * Engine.layerMemory({ playbooks: [impossibleTravel] }).pipe(Layer.provide(GeoIpLocal))
 * ```
 */
export const GeoIpLocal = Connector.layer(GeoIp, {
  lookup: ({ ip }) =>
    /^[0-9a-fA-F:.]{2,45}$/.test(ip)
      ? Effect.sync(() => locate(ip))
      : Effect.fail(
          new ConnectorError({
            connector: "geoip",
            action: "lookup",
            reason: new InvalidInput({ path: "ip", detail: "not an IP address" }),
          }),
        ),
})
