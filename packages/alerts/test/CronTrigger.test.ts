import { randomUUID } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { CaseStore, CaseStoreMemory, Engine, playbook } from "@riposte/core"
import { Effect, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as CronTrigger from "../src/CronTrigger.ts"
import { Pg, reachable } from "./Postgres.ts"

const t0 = Date.parse("2024-01-01T00:02:00Z")
const iso = (ticks: ReadonlyArray<CronTrigger.Tick>) => ticks.map((t) => t.time.toISOString())

/** A trigger that records its ticks. */
const recorder = (options: Partial<CronTrigger.Config<never, never>> = {}) => {
  const fired: Array<CronTrigger.Tick> = []
  const config: CronTrigger.Config<never, never> = {
    name: "every-5-min",
    schedule: "*/5 * * * *",
    fire: (tick) => Effect.sync(() => fired.push(tick)),
    ...options,
  }
  return { fired, config }
}

describe("CronTrigger (TestClock)", () => {
  it.effect("fires once per tick with the tick time as the key", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(t0)
      const r = recorder()
      const fiber = yield* Effect.forkChild(CronTrigger.run(r.config))
      yield* TestClock.adjust("3 minutes")
      assert.deepStrictEqual(iso(r.fired), ["2024-01-01T00:05:00.000Z"])
      assert.strictEqual(r.fired[0]!.key, "every-5-min@2024-01-01T00:05:00.000Z")
      yield* TestClock.adjust("10 minutes")
      assert.deepStrictEqual(iso(r.fired), [
        "2024-01-01T00:05:00.000Z",
        "2024-01-01T00:10:00.000Z",
        "2024-01-01T00:15:00.000Z",
      ])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(CronTrigger.layerMemory)),
  )

  it.effect("a restart does not fire the last tick again", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(t0)
      const r = recorder()
      const first = yield* Effect.forkChild(CronTrigger.run(r.config))
      yield* TestClock.adjust("3 minutes")
      yield* Fiber.interrupt(first)
      // The process restarts at the same instant: the 00:05 tick is already recorded.
      const second = yield* Effect.forkChild(CronTrigger.run(r.config))
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(iso(r.fired), ["2024-01-01T00:05:00.000Z"])
      yield* TestClock.adjust("5 minutes")
      assert.deepStrictEqual(iso(r.fired), ["2024-01-01T00:05:00.000Z", "2024-01-01T00:10:00.000Z"])
      yield* Fiber.interrupt(second)
    }).pipe(Effect.provide(CronTrigger.layerMemory)),
  )

  it.effect("catch-up after downtime: latest (default), a bounded number, or none", () =>
    Effect.gen(function* () {
      for (const [catchUp, expected] of [
        ["latest", ["2024-01-01T01:00:00.000Z"]],
        [3, ["2024-01-01T00:05:00.000Z", "2024-01-01T00:10:00.000Z", "2024-01-01T00:15:00.000Z"]],
        ["none", []],
      ] as const) {
        yield* TestClock.setTime(t0)
        const r = recorder({ name: `catch-up-${catchUp}`, catchUp })
        assert.deepStrictEqual(yield* CronTrigger.fireDue(r.config), [], "first start: nothing is missed")
        yield* TestClock.adjust("58 minutes") // down from 00:02 to 01:00
        yield* CronTrigger.fireDue(r.config)
        assert.deepStrictEqual(iso(r.fired), [...expected], String(catchUp))
        // Whatever the policy, the missed ticks are consumed: the next call fires nothing new.
        yield* CronTrigger.fireDue(r.config)
        assert.deepStrictEqual(iso(r.fired), [...expected])
      }
    }).pipe(Effect.provide(CronTrigger.layerMemory)),
  )

  it.effect(
    "a crash after the run started but before the tick was recorded: the re-fired tick joins the same run",
    () => {
      const job = playbook("nightly", { version: "1" })
        .trigger(Schema.Struct({ key: Schema.String }), { idempotencyKey: (t) => t.key })
        .close("done")
      let failRecord = true
      const flakyStore = Layer.effect(
        CronTrigger.TickStore,
        Effect.gen(function* () {
          const inner = yield* CronTrigger.TickStore
          return CronTrigger.TickStore.of({
            last: inner.last,
            record: (name, tick) =>
              failRecord && tick > t0
                ? Effect.fail(
                    new CronTrigger.CronTriggerError({ trigger: name, reason: "Storage", detail: "crash" }),
                  )
                : inner.record(name, tick),
          })
        }),
      ).pipe(Layer.provide(CronTrigger.layerMemory))
      return Effect.gen(function* () {
        yield* TestClock.setTime(t0)
        const engine = yield* Engine.Engine
        const config: CronTrigger.Config<unknown, never> = {
          name: "nightly",
          schedule: "*/5 * * * *",
          fire: (tick) => engine.start(job, { key: tick.key }),
        }
        yield* CronTrigger.fireDue(config)
        yield* TestClock.adjust("3 minutes")
        const crashed = yield* CronTrigger.fireDue(config).pipe(Effect.flip)
        assert.instanceOf(crashed, CronTrigger.CronTriggerError)
        failRecord = false
        const refired = yield* CronTrigger.fireDue(config)
        assert.deepStrictEqual(iso(refired), ["2024-01-01T00:05:00.000Z"])
        const cases = yield* (yield* CaseStore.CaseStore).list({ playbook: "nightly" })
        assert.lengthOf(cases, 1, "one run (one case) for the tick, not two")
      }).pipe(
        Effect.provide(
          Layer.mergeAll(
            flakyStore,
            Engine.layerMemory({ playbooks: [job] }).pipe(Layer.provideMerge(CaseStoreMemory.layer)),
          ),
        ),
      )
    },
  )

  it.effect("an invalid schedule is a typed error", () =>
    Effect.gen(function* () {
      const error = yield* CronTrigger.fireDue(recorder({ schedule: "61 * * * *" }).config).pipe(Effect.flip)
      assert.strictEqual(error.reason, "InvalidSchedule")
    }).pipe(Effect.provide(CronTrigger.layerMemory)),
  )

  it.effect("time zones: 09:00 Europe/Paris is 08:00 UTC in winter", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2024-01-15T07:00:00Z"))
      const r = recorder({ name: "paris", schedule: "0 9 * * *", timezone: "Europe/Paris" })
      const fiber = yield* Effect.forkChild(CronTrigger.run(r.config))
      yield* TestClock.adjust("2 hours")
      assert.deepStrictEqual(iso(r.fired), ["2024-01-15T08:00:00.000Z"])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(CronTrigger.layerMemory)),
  )
})

describe.skipIf(!reachable)("CronTrigger.layerSql on Postgres", () => {
  it.effect("the last tick survives a new store instance (restart) and never moves backwards", () =>
    Effect.gen(function* () {
      const name = `cron-${randomUUID()}`
      const store = Layer.fresh(CronTrigger.layerSql)
      yield* Effect.gen(function* () {
        const s = yield* CronTrigger.TickStore
        yield* s.record(name, 2000)
        yield* s.record(name, 1000)
      }).pipe(Effect.provide(store))
      const last = yield* Effect.gen(function* () {
        return yield* (yield* CronTrigger.TickStore).last(name)
      }).pipe(Effect.provide(store))
      assert.deepStrictEqual(last._tag === "Some" ? last.value : null, 2000)
    }).pipe(Effect.provide(Pg)),
  )
})
