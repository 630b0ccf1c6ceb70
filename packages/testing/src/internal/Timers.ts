/**
 * A `Clock` over the `TestClock` that remembers when each pending sleep wakes up, so the test
 * runner can jump straight to the next timer (a retry backoff, a slow mock, a gate's timeout)
 * instead of advancing time in small steps.
 */
import { type Clock, Duration, Effect } from "effect"

export interface TestClockShape extends Clock.Clock {
  readonly currentTimeMillisUnsafe: () => number
  readonly setTime: (timestamp: number) => Effect.Effect<void>
}

export class Timers {
  private readonly pending = new Map<number, number>()
  private nextId = 0
  /** Changes whenever a sleep starts or ends: part of the runner's progress signature. */
  version = 0

  add(at: number): number {
    const id = this.nextId++
    this.pending.set(id, at)
    this.version++
    return id
  }

  remove(id: number): void {
    if (this.pending.delete(id)) this.version++
  }

  /** The earliest wake-up time strictly after `now`. */
  next(now: number): number | undefined {
    let best: number | undefined
    for (const at of this.pending.values()) if (at > now && (best === undefined || at < best)) best = at
    return best
  }

  /** Whether a sleep is due (its wake-up time has passed but it has not resumed yet). */
  due(now: number): boolean {
    for (const at of this.pending.values()) if (at <= now) return true
    return false
  }
}

/** The tracking clock: every method of the test clock, with `sleep` recorded in `timers`. */
export const tracking = (clock: TestClockShape, timers: Timers): Clock.Clock => {
  const sleep = (duration: Duration.Duration) =>
    Effect.suspend(() => {
      const at = clock.currentTimeMillisUnsafe() + Duration.toMillis(duration)
      const id = timers.add(at)
      return clock.sleep(duration).pipe(Effect.ensuring(Effect.sync(() => timers.remove(id))))
    })
  return { ...clock, sleep }
}
