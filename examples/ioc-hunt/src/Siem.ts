/**
 * A small `siem` connector definition for this example (no SIEM connector package exists yet):
 * one read action that returns the hosts whose events touched an indicator in a time range.
 * Implement it over Splunk (`| tstats … by host`), Sentinel (KQL `summarize by DeviceName`) or
 * an EDR's device search.
 */
import { Connector } from "@riposte/core"
import { Schema } from "effect"

export const IndicatorType = Schema.Literals(["ipv4", "ipv6", "domain", "url", "sha256", "sha1", "md5"])
export const Indicator = Schema.Struct({
  type: IndicatorType,
  value: Schema.String.check(Schema.isBetweenLength(1, 2048)),
})
export type Indicator = typeof Indicator.Type

export const Sighting = Schema.Struct({
  host: Schema.String.check(Schema.isBetweenLength(1, 255)),
  deviceId: Schema.optional(Schema.String),
  firstSeen: Schema.String,
  lastSeen: Schema.String,
  events: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
})
export type Sighting = typeof Sighting.Type

export const Siem = Connector.make("siem", {
  version: "1",
  description: "Searches SIEM/EDR telemetry for the hosts that touched an indicator.",
  actions: {
    search: Connector.action({
      input: Schema.Struct({
        indicator: Indicator,
        from: Schema.String,
        to: Schema.String,
        limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 })),
      }),
      output: Schema.Struct({ sightings: Schema.Array(Sighting), truncated: Schema.Boolean }),
      kind: "read",
    }),
  },
})
