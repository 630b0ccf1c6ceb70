/**
 * Suspicious login / impossible travel.
 *
 * The recent logins of one user (Okta System Log `user.session.start` events, normalized by
 * @riposte/alerts and reduced with {@link loginOf}) go in. Every source IP is geolocated with a
 * local GeoIP database, the great-circle speed between consecutive logins is computed, and a leg
 * faster than 1000 km/h asks a SOC lead; on approval a privileged account is suspended and any
 * other account has its sessions cleared (forcing a fresh MFA login). Otherwise the case is closed.
 */
import type { Alert } from "@riposte/alerts"
import { Okta } from "@riposte/connector-okta"
import { playbook } from "@riposte/core"
import { Schema } from "effect"
import { GeoIp } from "./GeoIp.ts"
import { type Login, legs } from "./Travel.ts"

/** A leg faster than this (km/h) is impossible travel: faster than an airliner. */
export const maxSpeedKmh = 1000

export const LoginSchema = Schema.Struct({
  id: Schema.String.check(Schema.isBetweenLength(1, 200)),
  time: Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/)),
  ip: Schema.String.check(Schema.isPattern(/^[0-9a-fA-F:.]{2,45}$/)),
})

export const Logins = Schema.Struct({
  userId: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._%+@-]{0,254}$/)),
  logins: Schema.Array(LoginSchema).check(Schema.isMinLength(2), Schema.isMaxLength(50)),
})
export type Logins = typeof Logins.Type

/** One login from a normalized Okta System Log event: the actor, the time and the client IP. */
export const loginOf = (alert: Alert.Alert): { readonly userId: string; readonly login: Login } | null => {
  const user = alert.entities.users[0]
  const ip = alert.entities.ips[0]
  if (user?.uid === undefined || ip === undefined) return null
  return { userId: user.uid, login: { id: alert.id, time: alert.time, ip: ip.address } }
}

export const makeImpossibleTravel = (config: { readonly privileged: ReadonlyArray<string> }) =>
  playbook("impossible-travel", {
    version: "1.0.0",
    description: "Geolocate logins, compute travel speed, suspend or clear sessions with approval.",
    owner: "soc",
    attack: ["T1078", "T1078.004", "T1539"],
  })
    .trigger(Logins, {
      // The run's identity is the user and the newest login: the same evidence joins one run.
      idempotencyKey: (t) => `${t.userId}:${[...t.logins.map((l) => l.id)].sort().join(",")}`,
      caseTitle: (t) => `Suspicious logins of ${t.userId}`,
    })
    .enrich("geo", (ctx) =>
      Object.fromEntries(
        [...new Set(ctx.trigger.logins.map((l) => l.ip))]
          .slice(0, 20)
          .map((ip) => [ip, GeoIp.lookup({ ip })]),
      ),
    )
    .step("travel", (ctx) => {
      const { legs: all, unlocated } = legs(ctx.trigger.logins, ctx.geo)
      const fastest = all.reduce<(typeof all)[number] | null>(
        (best, leg) => (best === null || leg.speedKmh > best.speedKmh ? leg : best),
        null,
      )
      return { legs: all, unlocated: unlocated.map((l) => l.ip), fastest }
    })
    .case((ctx) => ({
      observables: ctx.trigger.logins.map((l) => ({ type: "ipv4", raw: l.ip, source: "okta" })),
      note: [
        ...ctx.travel.legs.map(
          (l) =>
            `${l.from.time} ${l.from.ip} (${l.fromPlace}) → ${l.to.time} ${l.to.ip} (${l.toPlace}): ` +
            `${Math.round(l.km)} km in ${l.hours.toFixed(2)} h = ${Number.isFinite(l.speedKmh) ? Math.round(l.speedKmh) : "∞"} km/h`,
        ),
        ...(ctx.travel.unlocated.length > 0 ? [`not located: ${ctx.travel.unlocated.join(", ")}`] : []),
      ].join("\n"),
    }))
    .decide("travel-verdict", (ctx) =>
      ctx.travel.fastest !== null && ctx.travel.fastest.speedKmh > maxSpeedKmh ? "impossible" : "plausible",
    )
    .branch("travel-verdict", {
      plausible: (p) =>
        p.close((ctx) => ({
          resolution:
            ctx.travel.fastest === null
              ? "no two located logins to compare"
              : `plausible travel: fastest leg ${Math.round(ctx.travel.fastest.speedKmh)} km/h ≤ ${maxSpeedKmh} km/h`,
          status: "resolved",
        })),
      impossible: (p) =>
        p
          .case({ severity: "high", status: "triaged", tags: ["impossible-travel"] })
          .decide("response", (ctx) =>
            config.privileged.includes(ctx.trigger.userId) ? "suspend" : "clearSessions",
          )
          .approve("lock-approval", {
            roles: ["soc-lead"],
            timeout: "2 hours",
            onTimeout: "deny",
            summary: (ctx) => {
              const f = ctx.travel.fastest!
              return (
                `${ctx.response === "suspend" ? "Suspend" : "Clear all sessions of"} Okta user ${ctx.trigger.userId}: ` +
                `${f.fromPlace} → ${f.toPlace}, ${Math.round(f.km)} km in ${f.hours.toFixed(2)} h`
              )
            },
          })
          .branch("response", {
            suspend: (q) =>
              q
                .act("suspend", (ctx) => Okta.suspendUser({ userId: ctx.trigger.userId }))
                .case({ status: "contained" }),
            clearSessions: (q) =>
              q
                .act("clear", (ctx) => Okta.clearSessions({ userId: ctx.trigger.userId }))
                .case({ status: "contained" }),
          }),
    })
