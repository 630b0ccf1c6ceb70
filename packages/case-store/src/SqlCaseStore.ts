/**
 * The SQL case store (SQLite and Postgres). Queries are built with kysely, compiled for the
 * dialect and executed through the Effect `SqlClient` in context, so case writes share the
 * engine's connection and transactions: inside an activity annotated
 * `ClusterSchema.WithTransaction`, they commit together with the journal.
 *
 * @since 0.1.0
 */
import { type CaseModel, CaseStore, CaseValidation as V } from "@riposte/core"
import { Clock, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type * as Database from "./Database.ts"
import * as Metrics from "./internal/Metrics.ts"
import * as Rows from "./internal/Rows.ts"
import * as SqlContext from "./internal/SqlContext.ts"
import * as SqlRecords from "./internal/SqlRecords.ts"
import { uuidV7 } from "./internal/Uuid.ts"
import * as Migrations from "./Migrations.ts"

const { storage, system } = SqlContext

const DEFAULT_WINDOW = 24 * 60 * 60 * 1000

/** Options of {@link make} and {@link layer}. */
export interface Options {
  readonly dialect: Database.Dialect
}

/**
 * Builds a SQL case store over the `SqlClient` in context. Run {@link migrate} first.
 *
 * @example
 * ```ts
 * const store = yield* SqlCaseStore.make({ dialect: "sqlite" })
 * ```
 */
export const make = Effect.fnUntraced(function* (options: Options) {
  const client = yield* SqlClient.SqlClient
  const ctx = SqlContext.make(client, options.dialect)
  const { dialect, db, q, exec, run, first, tx, lockCase, appendEvent, insertEvents, writeCase, textId } = ctx

  const open: CaseStore.CaseStoreShape["open"] = Effect.fnUntraced(function* (input, options) {
    const decoded = yield* V.newCase(input)
    const alert = decoded.alert === undefined ? null : yield* V.jsonText(decoded.alert, "case.alert")
    const actor = options?.actor === undefined ? system : yield* V.actor(options.actor)
    const window = options?.dedupWindowMillis ?? DEFAULT_WINDOW
    if (!Number.isFinite(window) || window < 0) {
      return yield* V.invalid("must be a non-negative number", "dedupWindowMillis")
    }
    const now = yield* Clock.currentTimeMillis
    const tenant = decoded.tenant ?? "default"
    const dedupKey = decoded.dedupKey ?? null
    const insertAlert = (caseId: string) =>
      alert === null
        ? Effect.void
        : run(q.insertAlert, { case_id: caseId, dedup_key: dedupKey, body: alert, received_at: now })
    return yield* tx(
      Effect.gen(function* () {
        if (dedupKey !== null) {
          if (q.dedupLock !== undefined) {
            // Postgres: two alerts with one key arriving together must not both open a case.
            yield* run(q.dedupLock, { tenant, dedup_key: dedupKey })
          }
          const match = yield* first(q.dedupMatch, { tenant, dedup_key: dedupKey, since: now - window })
          if (match !== undefined) {
            yield* insertAlert(match.id)
            const event = {
              kind: "alert.attached",
              actor,
              message: `alert attached (dedup key ${dedupKey})`,
              data: SqlContext.json({ dedupKey, title: decoded.title }),
            } as const
            yield* appendEvent(match.id, now, event, now)
            return { case: { ...Rows.toCase(match), updatedAt: now }, attached: true }
          }
        }
        const record: CaseModel.CaseRecord = {
          id: uuidV7(now),
          tenant,
          title: decoded.title,
          status: "new",
          severity: decoded.severity,
          assignee: decoded.assignee ?? null,
          tags: [...(decoded.tags ?? [])],
          playbook: decoded.playbook,
          playbookVersion: decoded.playbookVersion,
          runId: decoded.runId ?? null,
          dedupKey,
          resolution: null,
          mergedInto: null,
          createdAt: now,
          acknowledgedAt: null,
          containedAt: null,
          resolvedAt: null,
          closedAt: null,
          updatedAt: now,
        }
        // A new case's opening event is its first: the counter starts at 1, no update needed.
        yield* run(q.insertCase, { ...Rows.fromCase(record), timeline_seq: 1 })
        yield* insertAlert(record.id)
        yield* insertEvents(record.id, now, 1, [
          {
            kind: "case.opened",
            actor,
            message: `case opened: ${record.title}`,
            data: SqlContext.json({ severity: record.severity }),
          },
        ])
        return { case: record, attached: false }
      }),
    )
  })

  const update: CaseStore.CaseStoreShape["update"] = Effect.fnUntraced(function* (caseId, patch, actor) {
    const p = yield* V.patch(patch)
    const who = yield* V.actor(actor)
    const now = yield* Clock.currentTimeMillis
    return yield* tx(
      Effect.gen(function* () {
        const before = yield* lockCase(caseId)
        let next: { -readonly [K in keyof CaseModel.CaseRecord]: CaseModel.CaseRecord[K] } = {
          ...before,
          updatedAt: now,
        }
        const changed: Record<string, unknown> = {}
        if (p.title !== undefined && p.title !== before.title) changed.title = next.title = p.title
        if (p.severity !== undefined && p.severity !== before.severity)
          changed.severity = next.severity = p.severity
        if (p.assignee !== undefined && p.assignee !== before.assignee)
          changed.assignee = next.assignee = p.assignee
        if (p.tags !== undefined) changed.tags = next.tags = [...p.tags]
        if (p.resolution !== undefined) changed.resolution = next.resolution = p.resolution
        if (p.status !== undefined && p.status !== before.status) next = V.withStatus(next, p.status, now)
        const events: Array<SqlContext.EventInput> = []
        const keys = Object.keys(changed)
        if (keys.length > 0) {
          events.push({
            kind: "case.updated",
            actor: who,
            message: `updated ${keys.join(", ")}`,
            data: SqlContext.json(changed),
          })
        }
        if (next.status !== before.status) {
          events.push({
            kind: "case.status",
            actor: who,
            message: `status ${before.status} → ${next.status}`,
            data: SqlContext.json({ from: before.status, to: next.status }),
          })
        }
        // One update writes the case and reserves the events' sequence numbers; one insert writes them.
        yield* insertEvents(caseId, now, yield* writeCase(next, events.length), events)
        return next as CaseModel.CaseRecord
      }),
    )
  })

  const list: CaseStore.CaseStoreShape["list"] = Effect.fnUntraced(function* (filter) {
    const f = yield* V.filter(filter ?? {})
    if (f.limit !== undefined && (!Number.isInteger(f.limit) || f.limit < 1)) {
      return yield* V.invalid("must be a positive integer", "filter.limit")
    }
    if (f.status?.length === 0 || f.severity?.length === 0) return []
    let q = db.selectFrom("riposte_cases").selectAll()
    if (f.status) q = q.where("status", "in", f.status)
    if (f.severity) q = q.where("severity", "in", f.severity)
    if (f.playbook !== undefined) q = q.where("playbook", "=", f.playbook)
    if (f.tenant !== undefined) q = q.where("tenant", "=", f.tenant)
    if (f.from !== undefined) q = q.where("created_at", ">=", f.from)
    if (f.to !== undefined) q = q.where("created_at", "<", f.to)
    if (f.observableValue !== undefined) {
      const value = f.observableValue
      q = q.where(
        "id",
        "in",
        db.selectFrom("riposte_case_observables").select("case_id").where("value", "=", value),
      )
    }
    q = q.orderBy("created_at", "desc").orderBy(textId)
    if (f.limit !== undefined) q = q.limit(f.limit)
    const rows = yield* storage(exec(q))
    return rows.map(Rows.toCase)
  })

  const view: CaseStore.CaseStoreShape["view"] = Effect.fnUntraced(function* (caseId) {
    const row = yield* storage(first(q.selectCase, { id: caseId }))
    if (row === undefined) return yield* V.notFound(`case ${caseId}`)
    const byCase = { case_id: caseId }
    const [alerts, observables, enrichments, actions, approvals, timeline, notes, artifacts] = yield* storage(
      Effect.all([
        run(q.view.alerts, byCase),
        run(q.view.observables, byCase),
        run(q.view.enrichments, byCase),
        run(q.view.actions, byCase),
        run(q.view.approvals, byCase),
        run(q.view.timeline, byCase),
        run(q.view.notes, byCase),
        run(q.view.artifacts, byCase),
      ]),
    )
    return {
      case: Rows.toCase(row),
      alerts: alerts.map((a) => JSON.parse(a.body) as unknown),
      observables: observables.map(Rows.toObservable),
      enrichments: enrichments.map(Rows.toEnrichment),
      actions: actions.map(Rows.toAction),
      approvals: approvals.map(Rows.toApproval),
      timeline: timeline.map(Rows.toTimeline),
      notes: notes.map(Rows.toNote),
      artifacts: artifacts.map(Rows.toArtifact),
    }
  })

  const purge: CaseStore.CaseStoreShape["purge"] = ({ before, keepAudit }) =>
    tx(
      Effect.gen(function* () {
        const closed = db
          .selectFrom("riposte_cases")
          .select("id")
          .where("status", "=", "closed")
          .where("closed_at", "<", before)
        const tables = [
          "riposte_case_alerts",
          "riposte_case_observables",
          "riposte_case_enrichments",
          "riposte_case_notes",
          "riposte_case_artifacts",
          ...(keepAudit
            ? []
            : (["riposte_case_actions", "riposte_case_approvals", "riposte_case_timeline"] as const)),
        ] as const
        for (const table of tables) {
          yield* exec(db.deleteFrom(table as "riposte_case_alerts").where("case_id", "in", closed))
        }
        const removed = yield* exec(
          db
            .deleteFrom("riposte_cases")
            .where("status", "=", "closed")
            .where("closed_at", "<", before)
            .returning("id"),
        )
        return removed.length
      }),
    )

  return CaseStore.CaseStore.of({
    ...SqlRecords.make(ctx),
    open,
    get: (caseId) =>
      Effect.flatMap(storage(first(q.selectCase, { id: caseId })), (row) =>
        row ? Effect.succeed(Rows.toCase(row)) : Effect.fail(V.notFound(`case ${caseId}`)),
      ),
    view,
    list,
    update,
    metrics: (range) => storage(Metrics.compute(exec, db, dialect, range)),
    purge,
    transaction: (effect) => storage(client.withTransaction(effect)),
  })
})

/**
 * The SQL case store as a Layer over the `SqlClient` in context (the engine's own client, so
 * case writes join its transactions).
 *
 * @example
 * ```ts
 * const CaseStoreLive = SqlCaseStore.layer({ dialect: "postgres" }).pipe(Layer.provide(PgClient.layer({ url })))
 * ```
 */
export const layer = (options: Options): Layer.Layer<CaseStore.CaseStore, never, SqlClient.SqlClient> =>
  Layer.effect(CaseStore.CaseStore, make(options))

/**
 * Creates or upgrades the case-store tables; returns the versions applied.
 *
 * @example
 * ```ts
 * yield* SqlCaseStore.migrate({ dialect: "sqlite" })
 * ```
 */
export const migrate = (options: Options) => Migrations.migrate(options.dialect)
