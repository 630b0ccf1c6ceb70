/**
 * Durable intake of alerts. `accept` persists an alert, de-duplicated by `dedupKey`;
 * `quarantine` persists what could not be accepted, with the reason. The webhook answers only
 * after one of them has committed, so an acknowledged alert is never lost and a rejected
 * delivery is never silently dropped.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Clock, Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import type { Alert } from "./Alert.ts"

export class AlertInboxError extends Schema.TaggedError<AlertInboxError>()("AlertInboxError", {
  operation: Schema.Literals(["accept", "quarantine", "read"]),
  detail: Schema.String,
}) {}

/** Why a delivery was quarantined. */
export const QuarantineReason = Schema.Literals([
  "MissingSignature",
  "BadSignature",
  "StaleTimestamp",
  "TooLarge",
  "MalformedJson",
  "ForbiddenKey",
  "TooDeep",
  "TooManyKeys",
  "UnknownShape",
  "Invalid",
])
export type QuarantineReason = typeof QuarantineReason.Type

export interface QuarantineEntry {
  readonly reason: QuarantineReason
  readonly detail: string
  /** The body as text, already capped by the caller. */
  readonly body: string
  /** A subset of the request headers (never secrets). */
  readonly headers: Readonly<Record<string, string>>
  readonly receivedAt: string
}

export interface Accepted {
  readonly status: "new" | "duplicate"
  readonly alertId: string
}

export interface InboxRow {
  readonly alertId: string
  readonly dedupKey: string
  readonly receivedAt: string
  readonly alert: Alert
}

export interface QuarantineRow extends QuarantineEntry {
  readonly id: string
}

export interface Service {
  /** Persists `alert` unless an alert with its `dedupKey` is already there. */
  readonly accept: (alert: Alert) => Effect.Effect<Accepted, AlertInboxError>
  readonly quarantine: (entry: QuarantineEntry) => Effect.Effect<{ readonly id: string }, AlertInboxError>
  /** Accepted alerts, oldest first. */
  readonly list: Effect.Effect<ReadonlyArray<InboxRow>, AlertInboxError>
  /** Quarantined deliveries, oldest first. */
  readonly quarantined: Effect.Effect<ReadonlyArray<QuarantineRow>, AlertInboxError>
}

/**
 * @example
 * ```ts
 * const { status, alertId } = yield* AlertInbox.use((inbox) => inbox.accept(alert))
 * ```
 */
export class AlertInbox extends Context.Service<AlertInbox, Service>()("@riposte/alerts/AlertInbox") {}

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

/**
 * In-memory inbox (tests, demos): not durable.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(AlertInbox.layerMemory))
 * ```
 */
export const layerMemory: Layer.Layer<AlertInbox> = Layer.sync(AlertInbox, () => {
  const byKey = new Map<string, InboxRow>()
  const quarantine: Array<QuarantineRow> = []
  return {
    accept: (alert) =>
      Effect.flatMap(now, (receivedAt) =>
        Effect.sync((): Accepted => {
          const prev = byKey.get(alert.dedupKey)
          if (prev !== undefined) return { status: "duplicate", alertId: prev.alertId }
          const alertId = randomUUID()
          byKey.set(alert.dedupKey, { alertId, dedupKey: alert.dedupKey, receivedAt, alert })
          return { status: "new", alertId }
        }),
      ),
    quarantine: (entry) =>
      Effect.sync(() => {
        const id = randomUUID()
        quarantine.push({ ...entry, id })
        return { id }
      }),
    list: Effect.sync(() => [...byKey.values()]),
    quarantined: Effect.sync(() => [...quarantine]),
  }
})

/**
 * Creates the inbox tables if absent. Idempotent; portable SQL (SQLite and Postgres).
 *
 * @example
 * ```ts
 * yield* AlertInbox.migrate // before first use, or use AlertInbox.layerSql which runs it
 * ```
 */
export const migrate: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS riposte_alert_inbox (
    alert_id TEXT PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    vendor_alert_id TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    alert_time TEXT NOT NULL,
    received_at TEXT NOT NULL,
    alert_json TEXT NOT NULL
  )`
  yield* sql`CREATE TABLE IF NOT EXISTS riposte_alert_quarantine (
    id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    body TEXT NOT NULL,
    headers_json TEXT NOT NULL,
    received_at TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX IF NOT EXISTS riposte_alert_inbox_received_at ON riposte_alert_inbox (received_at)`
  yield* sql`CREATE INDEX IF NOT EXISTS riposte_alert_quarantine_received_at ON riposte_alert_quarantine (received_at)`
})

const wrap =
  (operation: AlertInboxError["operation"]) =>
  <A, R>(self: Effect.Effect<A, SqlError, R>): Effect.Effect<A, AlertInboxError, R> =>
    Effect.mapError(self, (e) => new AlertInboxError({ operation, detail: e.message }))

/**
 * Inbox over an Effect `SqlClient` (tables `riposte_alert_inbox`, `riposte_alert_quarantine`).
 * Runs `migrate` when built.
 *
 * @example
 * ```ts
 * Webhook.handler(options).pipe(Effect.provide(AlertInbox.layerSql), Effect.provide(PgClient.layer(cfg)))
 * ```
 */
export const layerSql: Layer.Layer<AlertInbox, SqlError, SqlClient.SqlClient> = Layer.effect(
  AlertInbox,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* migrate
    const accept = (alert: Alert) =>
      Effect.gen(function* () {
        const alertId = randomUUID()
        const receivedAt = yield* now
        // ON CONFLICT ... DO NOTHING is atomic on both SQLite (>= 3.24) and Postgres: two
        // concurrent deliveries of one alert produce one row and both read back its id.
        yield* sql`INSERT INTO riposte_alert_inbox
          (alert_id, dedup_key, source, vendor_alert_id, title, severity, alert_time, received_at, alert_json)
          VALUES (${alertId}, ${alert.dedupKey}, ${alert.source}, ${alert.id}, ${alert.title}, ${alert.severity},
                  ${alert.time}, ${receivedAt}, ${JSON.stringify(alert)})
          ON CONFLICT (dedup_key) DO NOTHING`
        const rows = yield* sql<{ alert_id: string }>`SELECT alert_id FROM riposte_alert_inbox
          WHERE dedup_key = ${alert.dedupKey}`
        const stored = rows[0]?.alert_id ?? alertId
        return { status: stored === alertId ? "new" : "duplicate", alertId: stored } satisfies Accepted
      }).pipe(wrap("accept"))
    const quarantine = (entry: QuarantineEntry) => {
      const id = randomUUID()
      return sql`INSERT INTO riposte_alert_quarantine (id, reason, detail, body, headers_json, received_at)
        VALUES (${id}, ${entry.reason}, ${entry.detail}, ${entry.body}, ${JSON.stringify(entry.headers)},
                ${entry.receivedAt})`.pipe(Effect.as({ id }), wrap("quarantine"))
    }
    const list = sql<{ alert_id: string; dedup_key: string; received_at: string; alert_json: string }>`
      SELECT alert_id, dedup_key, received_at, alert_json FROM riposte_alert_inbox ORDER BY received_at, alert_id`.pipe(
      Effect.map((rows) =>
        rows.map(
          (r): InboxRow => ({
            alertId: r.alert_id,
            dedupKey: r.dedup_key,
            receivedAt: r.received_at,
            alert: JSON.parse(r.alert_json) as Alert,
          }),
        ),
      ),
      wrap("read"),
    )
    const quarantined = sql<{
      id: string
      reason: QuarantineReason
      detail: string
      body: string
      headers_json: string
      received_at: string
    }>`SELECT id, reason, detail, body, headers_json, received_at FROM riposte_alert_quarantine
       ORDER BY received_at, id`.pipe(
      Effect.map((rows) =>
        rows.map(
          (r): QuarantineRow => ({
            id: r.id,
            reason: r.reason,
            detail: r.detail,
            body: r.body,
            headers: JSON.parse(r.headers_json) as Record<string, string>,
            receivedAt: r.received_at,
          }),
        ),
      ),
      wrap("read"),
    )
    return { accept, quarantine, list, quarantined }
  }),
)
