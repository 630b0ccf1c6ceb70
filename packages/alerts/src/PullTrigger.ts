/**
 * Pull triggers: poll a vendor API with a persisted cursor and feed every item to the
 * `AlertInbox` exactly once across restarts. For each page, the item ids, the inbox writes and
 * the new cursor are committed in ONE SQL transaction: a crash before the commit leaves the old
 * cursor and no trace of the page (it is fetched again); after the commit nothing is redone.
 *
 * Exactly-once holds when the inbox is `AlertInbox.layerSql` over the same `SqlClient` (its
 * writes join the transaction). One poller per trigger name at a time.
 *
 * @since 0.1.0
 */
import { Clock, Effect, type Schedule } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import type { Vendor } from "./Alert.ts"
import { AlertInbox, type AlertInboxError } from "./AlertInbox.ts"
import * as Alerts from "./Alerts.ts"

export interface Page {
  readonly items: ReadonlyArray<unknown>
  /** Cursor for the next poll; `undefined` keeps the current one. */
  readonly next: string | undefined
}

export interface Config<E> {
  /** Stable name: the key of the persisted cursor and seen-item set. */
  readonly name: string
  /** Fetches the page after `cursor` (`undefined` on the very first poll). */
  readonly fetch: (cursor: string | undefined) => Effect.Effect<Page, E>
  /** The vendor's id of an item (dedups overlapping pages). */
  readonly itemId: (item: unknown) => string
  /** Vendor of the items; sniffed per item when absent. */
  readonly vendor?: Vendor
}

export interface PollResult {
  readonly fetched: number
  readonly accepted: number
  readonly quarantined: number
  readonly skipped: number
  readonly cursor: string | undefined
}

/**
 * Creates the cursor and seen-item tables if absent. Idempotent, portable (SQLite, Postgres).
 *
 * @example
 * ```ts
 * yield* PullTrigger.migrate
 * ```
 */
export const migrate: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS riposte_pull_cursor (
    trigger_name TEXT PRIMARY KEY,
    cursor_value TEXT,
    updated_at TEXT NOT NULL
  )`
  yield* sql`CREATE TABLE IF NOT EXISTS riposte_pull_seen (
    trigger_name TEXT NOT NULL,
    item_id TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (trigger_name, item_id)
  )`
})

/**
 * Polls once: fetch the page after the stored cursor, then in one transaction record each new
 * item id, accept (or quarantine) its alerts and store the next cursor.
 *
 * @example
 * ```ts
 * const result = yield* PullTrigger.poll({
 *   name: "crowdstrike-alerts",
 *   vendor: "crowdstrike",
 *   fetch: (cursor) => falcon.alertsAfter(cursor),
 *   itemId: (item) => (item as { composite_id: string }).composite_id,
 * })
 * ```
 */
export const poll = <E>(
  config: Config<E>,
): Effect.Effect<PollResult, E | SqlError | AlertInboxError, SqlClient.SqlClient | AlertInbox> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const inbox = yield* AlertInbox
    const rows = yield* sql<{ cursor_value: string | null }>`SELECT cursor_value FROM riposte_pull_cursor
      WHERE trigger_name = ${config.name}`
    const cursor = rows[0]?.cursor_value ?? undefined
    const page = yield* config.fetch(cursor)
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        const now = new Date(yield* Clock.currentTimeMillis).toISOString()
        let accepted = 0
        let quarantined = 0
        let skipped = 0
        for (const item of page.items) {
          const inserted = yield* sql<{
            item_id: string
          }>`INSERT INTO riposte_pull_seen (trigger_name, item_id, seen_at)
            VALUES (${config.name}, ${config.itemId(item)}, ${now})
            ON CONFLICT (trigger_name, item_id) DO NOTHING RETURNING item_id`
          if (inserted.length === 0) {
            skipped++
            continue
          }
          const alerts = yield* Effect.result(
            config.vendor ? Alerts.normalize(config.vendor, item) : Alerts.detect(item),
          )
          if (alerts._tag === "Failure") {
            yield* inbox.quarantine({
              reason: alerts.failure.reason._tag,
              detail: `pull trigger ${config.name}: ${alerts.failure.message}`,
              body: JSON.stringify(item).slice(0, 64 * 1024),
              headers: {},
              receivedAt: now,
            })
            quarantined++
            continue
          }
          for (const alert of alerts.success) yield* inbox.accept(alert)
          accepted += alerts.success.length
        }
        const next = page.next ?? cursor
        yield* sql`INSERT INTO riposte_pull_cursor (trigger_name, cursor_value, updated_at)
          VALUES (${config.name}, ${next ?? null}, ${now})
          ON CONFLICT (trigger_name) DO UPDATE SET cursor_value = ${next ?? null}, updated_at = ${now}`
        return {
          fetched: page.items.length,
          accepted,
          quarantined,
          skipped,
          cursor: next,
        } satisfies PollResult
      }),
    )
  })

/**
 * Polls forever on `schedule` (e.g. `Schedule.spaced("1 minute")`), after running `migrate`.
 *
 * @example
 * ```ts
 * yield* Effect.forkScoped(PullTrigger.run(config, Schedule.spaced("30 seconds")))
 * ```
 */
export const run = <E, Out>(
  config: Config<E>,
  schedule: Schedule.Schedule<Out, unknown>,
): Effect.Effect<Out, E | SqlError | AlertInboxError, SqlClient.SqlClient | AlertInbox> =>
  Effect.flatMap(migrate, () => Effect.repeat(poll(config), schedule))
