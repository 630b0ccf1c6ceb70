/**
 * A token bucket per connector, shared by every run in the process.
 *
 * Buckets live in a module-level registry keyed by connector name and bucket settings, so two
 * clients built for the same connector with the same limits (one per playbook run, say) draw
 * from ONE bucket: the vendor sees the process's total rate, not one rate per run. A client with
 * different settings gets its own bucket. Time comes from Effect's `Clock`, so tests drive it
 * with `TestClock`.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@riposte/connector-kit"
 *
 * const bucket = RateLimiter.shared("virustotal", { tokensPerInterval: 4, intervalMillis: 60_000 })
 * const guarded = bucket.take.pipe(Effect.andThen(callVendor))
 * ```
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"

export interface Settings {
  /** Tokens added per interval; also the bucket's capacity (the largest burst). */
  readonly tokensPerInterval: number
  readonly intervalMillis: number
}

export interface Bucket {
  readonly settings: Settings
  /** Waits (on the Effect clock) until a token is available, then consumes it. */
  readonly take: Effect.Effect<void>
  /** Tokens available now (may be negative while callers are queued). */
  readonly available: Effect.Effect<number>
}

/**
 * Creates a standalone bucket. Waiters reserve their token before sleeping (the count goes
 * negative), so callers are served in arrival order and never over-spend.
 *
 * @example
 * ```ts
 * const bucket = RateLimiter.make({ tokensPerInterval: 10, intervalMillis: 1000 })
 * ```
 */
export const make = (settings: Settings): Bucket => {
  if (!(settings.tokensPerInterval > 0) || !(settings.intervalMillis > 0)) {
    throw new RangeError("rate limit: tokensPerInterval and intervalMillis must be > 0")
  }
  const rate = settings.tokensPerInterval / settings.intervalMillis
  let tokens = settings.tokensPerInterval
  let last: number | undefined
  const refill = (now: number) => {
    if (last !== undefined) tokens = Math.min(settings.tokensPerInterval, tokens + (now - last) * rate)
    last = now
  }
  const take = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    refill(now)
    tokens -= 1
    if (tokens >= 0) return Effect.void
    return Effect.sleep(Math.ceil(-tokens / rate))
  })
  const available = Effect.map(Clock.currentTimeMillis, (now) => {
    refill(now)
    return tokens
  })
  return { settings, take, available }
}

const registry = new Map<string, Bucket>()

/**
 * The process-wide bucket for `connector` with these settings (created on first use).
 *
 * @example
 * ```ts
 * RateLimiter.shared("okta", { tokensPerInterval: 600, intervalMillis: 60_000 }) === RateLimiter.shared("okta", { tokensPerInterval: 600, intervalMillis: 60_000 }) // true
 * ```
 */
export const shared = (connector: string, settings: Settings): Bucket => {
  const key = `${connector}\u0000${settings.tokensPerInterval}/${settings.intervalMillis}`
  let bucket = registry.get(key)
  if (bucket === undefined) {
    bucket = make(settings)
    registry.set(key, bucket)
  }
  return bucket
}

/** Forgets every shared bucket (tests only: a fresh process state). */
export const resetShared = (): void => registry.clear()
