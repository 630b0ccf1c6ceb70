import { randomUUID } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as AlertInbox from "../src/AlertInbox.ts"
import * as PullTrigger from "../src/PullTrigger.ts"
import { Pg, reachable } from "./Postgres.ts"

const oktaEvent = (uuid: string) => ({
  uuid,
  eventType: "user.session.start",
  published: "2024-05-01T10:00:00Z",
  displayMessage: "User login to Okta",
  severity: "INFO",
  client: { ipAddress: "198.51.100.7" },
})

// A fake paged API: cursor -> page. Counts calls per cursor.
const api = (pages: Record<string, PullTrigger.Page>) => {
  const calls: Array<string | undefined> = []
  const fetch = (cursor: string | undefined) =>
    Effect.sync(() => {
      calls.push(cursor)
      return pages[cursor ?? "start"] ?? { items: [], next: undefined }
    })
  return { fetch, calls }
}

const ids = () => [randomUUID(), randomUUID(), randomUUID()].sort() as [string, string, string]

const Sql = AlertInbox.layerSql.pipe(Layer.provideMerge(Pg))

const inboxRows = (uuids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ vendor_alert_id: string }>`SELECT vendor_alert_id FROM riposte_alert_inbox
      WHERE ${sql.in("vendor_alert_id", uuids)}`
    return rows.map((r) => r.vendor_alert_id).sort()
  })

describe.skipIf(!reachable)("PullTrigger on Postgres", () => {
  it.effect("each item once: overlapping pages are skipped, the cursor advances", () =>
    Effect.gen(function* () {
      yield* PullTrigger.migrate
      const [a, b, c] = ids()
      const { fetch, calls } = api({
        start: { items: [oktaEvent(a), oktaEvent(b)], next: "p1" },
        p1: { items: [oktaEvent(b), oktaEvent(c), { not: "an alert", id: "junk" }], next: "p2" },
      })
      const config = {
        name: `test-${randomUUID()}`,
        fetch,
        itemId: (i: unknown) => String((i as any).uuid ?? (i as any).id),
      }
      const r1 = yield* PullTrigger.poll(config)
      const r2 = yield* PullTrigger.poll(config)
      const r3 = yield* PullTrigger.poll(config)
      assert.deepStrictEqual(calls, [undefined, "p1", "p2"])
      assert.deepStrictEqual(
        [r1, r2].map((r) => [r.accepted, r.skipped, r.quarantined, r.cursor]),
        [
          [2, 0, 0, "p1"],
          [1, 1, 1, "p2"],
        ],
      )
      assert.deepStrictEqual([r3.fetched, r3.cursor], [0, "p2"]) // an empty page keeps the cursor
      assert.deepStrictEqual(yield* inboxRows([a, b, c]), [a, b, c])
    }).pipe(Effect.provide(Sql)),
  )

  it.effect(
    "a crash mid-page rolls back ids, inbox rows and cursor; the restart delivers each item once",
    () =>
      Effect.gen(function* () {
        yield* PullTrigger.migrate.pipe(Effect.provide(Pg))
        const [a, b, c] = ids()
        const { fetch } = api({ start: { items: [oktaEvent(a), oktaEvent(b), oktaEvent(c)], next: "p1" } })
        const config = {
          name: `test-${randomUUID()}`,
          fetch,
          itemId: (i: unknown) => (i as { uuid: string }).uuid,
        }
        // The process "dies" while accepting the third item, after the first two were written.
        const Crashing = Layer.effect(
          AlertInbox.AlertInbox,
          Effect.gen(function* () {
            const real = yield* AlertInbox.AlertInbox
            return {
              ...real,
              accept: (alert) =>
                alert.id === c
                  ? Effect.fail(new AlertInbox.AlertInboxError({ operation: "accept", detail: "crash" }))
                  : real.accept(alert),
            }
          }),
        ).pipe(Layer.provideMerge(Sql))
        const crashed = yield* Effect.flip(PullTrigger.poll(config).pipe(Effect.provide(Crashing)))
        assert.strictEqual(crashed._tag, "AlertInboxError")
        assert.deepStrictEqual(yield* inboxRows([a, b, c]).pipe(Effect.provide(Pg)), [])
        // Restart with a healthy inbox: the same page is fetched again and fully delivered once.
        const r = yield* PullTrigger.poll(config).pipe(Effect.provide(Sql))
        assert.deepStrictEqual([r.accepted, r.skipped, r.cursor], [3, 0, "p1"])
        const again = yield* PullTrigger.poll(config).pipe(Effect.provide(Sql))
        assert.strictEqual(again.accepted, 0)
        assert.deepStrictEqual(yield* inboxRows([a, b, c]).pipe(Effect.provide(Pg)), [a, b, c])
      }),
  )
})
