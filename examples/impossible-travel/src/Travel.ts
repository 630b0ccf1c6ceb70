/**
 * Great-circle travel speed between consecutive logins. Pure functions of their inputs: the
 * login times come from the events, never from the wall clock.
 */
import type { Location } from "./GeoIp.ts"

/** Mean Earth radius (IUGG), km. */
export const earthRadiusKm = 6371.0088

/**
 * Haversine great-circle distance in km.
 *
 * @example
 * ```ts
 * distanceKm(51.5074, -0.1278, 48.8566, 2.3522) // ≈ 343.5 (London → Paris)
 * ```
 */
export const distanceKm = (lat1: number, lon1: number, lat2: number, lon2: number): number => {
  const rad = Math.PI / 180
  const dLat = (lat2 - lat1) * rad
  const dLon = (lon2 - lon1) * rad
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2
  return 2 * earthRadiusKm * Math.asin(Math.min(1, Math.sqrt(a)))
}

export interface Login {
  readonly id: string
  readonly time: string
  readonly ip: string
}

export interface Leg {
  readonly from: Login
  readonly to: Login
  readonly fromPlace: string
  readonly toPlace: string
  readonly km: number
  readonly hours: number
  /** km/h; `Infinity` for two distant places at the same instant. */
  readonly speedKmh: number
}

/** Two logins closer than this are the same place whatever the time (geolocation noise). */
export const sameSpotKm = 50

const place = (l: Location) => [l.city, l.country].filter((x) => x !== null && x !== "").join(", ") || l.ip

/**
 * The legs between consecutive logins (sorted by time) whose both addresses are located. Logins
 * with an unlocated address are returned separately: an unknown location is not evidence.
 */
export const legs = (logins: ReadonlyArray<Login>, located: Readonly<Record<string, Location>>) => {
  const sorted = [...logins].sort(
    (a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id),
  )
  const unlocated = sorted.filter((l) => located[l.ip]?.found !== true)
  const usable = sorted.filter((l) => located[l.ip]?.found === true)
  const result: Array<Leg> = []
  for (let i = 1; i < usable.length; i++) {
    const from = usable[i - 1]!
    const to = usable[i]!
    const a = located[from.ip]!
    const b = located[to.ip]!
    const km = distanceKm(a.latitude!, a.longitude!, b.latitude!, b.longitude!)
    const hours = (Date.parse(to.time) - Date.parse(from.time)) / 3_600_000
    const speedKmh = km < sameSpotKm ? 0 : hours <= 0 ? Number.POSITIVE_INFINITY : km / hours
    result.push({ from, to, fromPlace: place(a), toPlace: place(b), km, hours, speedKmh })
  }
  return { legs: result, unlocated }
}
