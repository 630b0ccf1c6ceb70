/**
 * Retry policy for connector calls: exponential backoff with jitter, capped, that waits at least
 * as long as a vendor's Retry-After, and only retries retryable reasons (RateLimited, Timeout,
 * Transport, ServerError).
 *
 * The engine applies it INSIDE the activity (a retry around a journaled activity re-reads the
 * journaled failure), so connector code or the engine wraps the HTTP effect with {@link withRetry}.
 *
 * @example
 * ```ts
 * import { ConnectorRetry } from "@riposte/connector-kit"
 *
 * const call = ConnectorRetry.withRetry(client.request(...), { times: 3, base: 200, max: 10_000 })
 * ```
 * @since 0.1.0
 */
import type { ConnectorError } from "@riposte/core"
import { Duration, Effect, Schedule } from "effect"

export interface Options {
  /** Maximum number of retries (not counting the first attempt). */
  readonly times: number
  /** First backoff delay in milliseconds; doubles each attempt. */
  readonly base: number
  /** Upper bound of the backoff delay in milliseconds (Retry-After may exceed it). */
  readonly max: number
}

/**
 * The delay before the next attempt: `min(base * 2^(attempt-1), max)` jittered by ±20%, but
 * never shorter than the error's `retryAfterMillis`.
 */
const delayFor = (jittered: Duration.Duration, error: ConnectorError, max: number): Duration.Duration => {
  const backoff = Math.min(Duration.toMillis(jittered), max)
  const retryAfter = error.reason._tag === "RateLimited" ? (error.reason.retryAfterMillis ?? 0) : 0
  return Duration.millis(Math.max(backoff, retryAfter))
}

/**
 * A `Schedule` over {@link ConnectorError} inputs. It stops after `times` retries and on the
 * first non-retryable error.
 *
 * @example
 * ```ts
 * Effect.retry(call, ConnectorRetry.policy({ times: 5, base: 100, max: 5_000 }))
 * ```
 */
export const policy = (options: Options): Schedule.Schedule<Duration.Duration, ConnectorError> =>
  Schedule.exponential(Duration.millis(options.base)).pipe(
    Schedule.jittered,
    Schedule.setInputType<ConnectorError>(),
    Schedule.modifyDelay(({ duration, input }) => Effect.succeed(delayFor(duration, input, options.max))),
    Schedule.while(({ input, attempt }) => Effect.succeed(input.retryable && attempt <= options.times)),
  )

/**
 * Retries `effect` with {@link policy}.
 *
 * @example
 * ```ts
 * ConnectorRetry.withRetry(VirusTotalClient.urlReport(input, ctx), { times: 3, base: 250, max: 8_000 })
 * ```
 */
export const withRetry = <A, R>(
  effect: Effect.Effect<A, ConnectorError, R>,
  options: Options,
): Effect.Effect<A, ConnectorError, R> => Effect.retry(effect, policy(options))
