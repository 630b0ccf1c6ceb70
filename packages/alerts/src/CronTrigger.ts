/**
 * Scheduled (cron) triggers: start one run per tick, keyed by the tick time, so a restart never
 * double-fires a tick.
 *
 * Two mechanisms make a tick fire exactly once in effect:
 * 1. The last fired tick is persisted per trigger name (`CronTrigger.layerMemory` or
 *    `CronTrigger.layerSql`, table `riposte_cron_tick`): after a restart the loop resumes after it.
 * 2. `fire` receives `key = "<name>@<tick ISO time>"`: use it as the run's idempotency key. If
 *    the process dies between starting the run and persisting the tick, the tick fires again
 *    with the same key and joins the existing run instead of starting a second one.
 *
 * Cron expressions are parsed by croner (5 or 6 fields, `@daily`…, time zones). Time comes from
 * Effect's `Clock`, so `TestClock` drives it in tests.
 *
 * @example
 * ```ts
 * import { CronTrigger } from "@riposte/alerts"
 *
 * const daily = CronTrigger.run({
 *   name: "vuln-sla-check",
 *   schedule: "0 9 * * *",
 *   timezone: "Europe/Paris",
 *   fire: ({ time, key }) => engine.start(vulnSlaCheck, { ticket, dueAt, checkedAt: time.toISOString() }),
 * }).pipe(Effect.provide(CronTrigger.layerSql))
 * ```
 * @since 0.1.0
 */
import { Cron } from "croner"
import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"

export class CronTriggerError extends Schema.TaggedError<CronTriggerError>()("CronTriggerError", {
  trigger: Schema.String,
  reason: Schema.Literals(["InvalidSchedule", "NoNextTick", "Storage"]),
  detail: Schema.String,
}) {}

/** One tick: its scheduled time and the idempotency key of the run it starts. */
export interface Tick {
  readonly name: string
  readonly time: Date
  readonly key: string
}

export interface Config<E, R> {
  /** Stable name: the key of the persisted last tick. */
  readonly name: string
  /** A cron expression (`"*\/5 * * * *"`, `"0 9 * * 1-5"`, `"@daily"`). */
  readonly schedule: string
  /** IANA time zone of the expression (default UTC). */
  readonly timezone?: string
  /** Starts the tick's run; must be idempotent on `tick.key`. A failure stops the loop (the tick is not marked fired). */
  readonly fire: (tick: Tick) => Effect.Effect<unknown, E, R>
  /**
   * Ticks missed while the process was down: `"latest"` (default) fires only the most recent
   * one, `"none"` skips them, a number fires up to that many (oldest first).
   */
  readonly catchUp?: "latest" | "none" | number
}

/** Where the last fired tick of each trigger is kept. */
export interface TickStoreShape {
  readonly last: (name: string) => Effect.Effect<Option.Option<number>, CronTriggerError>
  readonly record: (name: string, tick: number) => Effect.Effect<void, CronTriggerError>
}

export class TickStore extends Context.Service<TickStore, TickStoreShape>()(
  "@riposte/alerts/CronTrigger/TickStore",
) {}

/** In-memory tick store: tests and single-process demos (lost on restart: use `layerSql`). */
export const layerMemory: Layer.Layer<TickStore> = Layer.sync(TickStore, () => {
  const ticks = new Map<string, number>()
  return TickStore.of({
    last: (name) => Effect.sync(() => Option.fromNullishOr(ticks.get(name))),
    record: (name, tick) =>
      Effect.sync(() => {
        ticks.set(name, Math.max(tick, ticks.get(name) ?? Number.NEGATIVE_INFINITY))
      }),
  })
})

/**
 * Tick store over any Effect `SqlClient` (SQLite, Postgres). Creates `riposte_cron_tick` if absent.
 *
 * @example
 * ```ts
 * CronTrigger.run(config).pipe(Effect.provide(CronTrigger.layerSql))
 * ```
 */
export const layerSql: Layer.Layer<TickStore, CronTriggerError, SqlClient.SqlClient> = Layer.effect(
  TickStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const storage = (name: string) => (e: unknown) =>
      new CronTriggerError({ trigger: name, reason: "Storage", detail: String(e) })
    yield* sql`CREATE TABLE IF NOT EXISTS riposte_cron_tick (
      trigger_name TEXT PRIMARY KEY,
      last_tick TEXT NOT NULL
    )`.pipe(Effect.mapError(storage("(migrate)")))
    return TickStore.of({
      last: (name) =>
        sql<{ last_tick: string }>`SELECT last_tick FROM riposte_cron_tick WHERE trigger_name = ${name}`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), (r) => Number(r.last_tick))),
          Effect.mapError(storage(name)),
        ),
      // Only moves forward: a late writer cannot rewind the trigger.
      record: (name, tick) =>
        sql`INSERT INTO riposte_cron_tick (trigger_name, last_tick) VALUES (${name}, ${String(tick)})
          ON CONFLICT (trigger_name) DO UPDATE SET last_tick = excluded.last_tick
          WHERE CAST(riposte_cron_tick.last_tick AS BIGINT) < CAST(excluded.last_tick AS BIGINT)`.pipe(
          Effect.asVoid,
          Effect.mapError(storage(name)),
        ),
    })
  }),
)

const parse = (config: Pick<Config<never, never>, "name" | "schedule" | "timezone">) =>
  Effect.try({
    try: () => new Cron(config.schedule, { timezone: config.timezone ?? "UTC", paused: true }),
    catch: (e) =>
      new CronTriggerError({ trigger: config.name, reason: "InvalidSchedule", detail: String(e) }),
  })

/** The key of a tick: `<name>@<ISO time>`. */
export const keyOf = (name: string, time: number): string => `${name}@${new Date(time).toISOString()}`

/** At most this many missed ticks are enumerated on catch-up. */
export const maxCatchUp = 1000

/**
 * Fires every tick that is due now (after the stored last tick, by the catch-up policy) and
 * records each one after it fired. Returns the ticks fired. `run` calls it in a loop; call it
 * yourself to drive a trigger from your own scheduler.
 *
 * @example
 * ```ts
 * const fired = yield* CronTrigger.fireDue(config)
 * ```
 */
export const fireDue = <E, R>(config: Config<E, R>) =>
  Effect.gen(function* () {
    const cron = yield* parse(config)
    const store = yield* TickStore
    const now = yield* Clock.currentTimeMillis
    const last = yield* store.last(config.name)
    // First start: nothing is "missed"; the first tick is the next one from now.
    if (Option.isNone(last)) {
      yield* store.record(config.name, now)
      return [] as ReadonlyArray<Tick>
    }
    const due: Array<number> = []
    let cursor = new Date(last.value)
    for (let i = 0; i < maxCatchUp; i++) {
      const next = cron.nextRun(cursor)
      if (next === null || next.getTime() > now) break
      due.push(next.getTime())
      cursor = next
    }
    const policy = config.catchUp ?? "latest"
    const selected =
      policy === "none"
        ? []
        : policy === "latest"
          ? due.slice(-1)
          : due.slice(0, Math.max(0, Math.floor(policy)))
    const fired: Array<Tick> = []
    for (const time of selected) {
      const tick = { name: config.name, time: new Date(time), key: keyOf(config.name, time) }
      yield* config.fire(tick)
      yield* store.record(config.name, time)
      fired.push(tick)
    }
    // Skipped ticks are consumed too (the newest due tick), so they never fire later.
    if (due.length > 0) yield* store.record(config.name, due[due.length - 1]!)
    return fired as ReadonlyArray<Tick>
  })

/**
 * Runs a cron trigger forever: fires due ticks, sleeps (on Effect's clock) until the next one.
 *
 * @example
 * ```ts
 * yield* Effect.forkScoped(CronTrigger.run({ name: "hourly-hunt", schedule: "0 * * * *", fire }))
 * ```
 */
export const run = <E, R>(config: Config<E, R>): Effect.Effect<never, E | CronTriggerError, R | TickStore> =>
  Effect.gen(function* () {
    const cron = yield* parse(config)
    for (;;) {
      yield* fireDue(config)
      const now = yield* Clock.currentTimeMillis
      const next = cron.nextRun(new Date(now))
      if (next === null)
        return yield* new CronTriggerError({
          trigger: config.name,
          reason: "NoNextTick",
          detail: config.schedule,
        })
      yield* Effect.sleep(Math.max(1, next.getTime() - now))
    }
  })
