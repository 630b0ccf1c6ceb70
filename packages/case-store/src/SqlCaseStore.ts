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
import { sql } from "kysely"
import type * as Database from "./Database.ts"
import * as Metrics from "./internal/Metrics.ts"
import * as Rows from "./internal/Rows.ts"
import * as SqlContext from "./internal/SqlContext.ts"
import * as SqlRecords from "./internal/SqlRecords.ts"
import * as Migrations from "./Migrations.ts"

const { storage, system } = SqlContext

const DEFAULT_WINDOW = 24 * 60 * 60 * 1000
/** Advisory-lock namespace (first key) for dedup on Postgres. */
const DEDUP_LOCK = 0x52_43_01

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
  const { dialect, db, exec, first, tx, lockCase, appendEvent, touch, writeCase, textId } = ctx

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
        : exec(
            db
              .insertInto("riposte_case_alerts")
              .values({ case_id: caseId, dedup_key: dedupKey, body: alert, received_at: now }),
          )
    return yield* tx(
      Effect.gen(function* () {
        if (dedupKey !== null) {
          if (dialect === "postgres") {
            // Two alerts with one key arriving together must not both open a case.
            yield* exec(
              sql`select pg_advisory_xact_lock(${sql.lit(DEDUP_LOCK)}, hashtext(cast(${tenant} as text) || ':' || cast(${dedupKey} as text)))`.compile(
                db,
              ),
            )
          }
          const match = yield* first(
            db
              .selectFrom("riposte_cases")
              .selectAll()
              .where("tenant", "=", tenant)
              .where("dedup_key", "=", dedupKey)
              .where("status", "<>", "closed")
              .where("merged_into", "is", null)
              .where("created_at", ">=", now - window)
              .orderBy("created_at", "desc")
              .limit(1),
          )
          if (match !== undefined) {
            yield* insertAlert(match.id)
            yield* touch(match.id, now)
            yield* appendEvent(
              match.id,
              now,
              "alert.attached",
              actor,
              `alert attached (dedup key ${dedupKey})`,
              {
                dedupKey,
                title: decoded.title,
              },
            )
            return { case: { ...Rows.toCase(match), updatedAt: now }, attached: true }
          }
        }
        const record: CaseModel.CaseRecord = {
          id: crypto.randomUUID(),
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
        yield* exec(db.insertInto("riposte_cases").values({ ...Rows.fromCase(record), timeline_seq: 0 }))
        yield* insertAlert(record.id)
        yield* appendEvent(record.id, now, "case.opened", actor, `case opened: ${record.title}`, {
          severity: record.severity,
        })
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
        yield* writeCase(next)
        if (Object.keys(changed).length > 0) {
          yield* appendEvent(
            caseId,
            now,
            "case.updated",
            who,
            `updated ${Object.keys(changed).join(", ")}`,
            changed,
          )
        }
        if (next.status !== before.status) {
          yield* appendEvent(caseId, now, "case.status", who, `status ${before.status} → ${next.status}`, {
            from: before.status,
            to: next.status,
          })
        }
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
    const row = yield* storage(first(db.selectFrom("riposte_cases").selectAll().where("id", "=", caseId)))
    if (row === undefined) return yield* V.notFound(`case ${caseId}`)
    const [alerts, observables, enrichments, actions, approvals, timeline, notes, artifacts] = yield* storage(
      Effect.all([
        exec(db.selectFrom("riposte_case_alerts").selectAll().where("case_id", "=", caseId).orderBy("id")),
        exec(
          db
            .selectFrom("riposte_case_observables")
            .selectAll()
            .where("case_id", "=", caseId)
            .orderBy("first_seen"),
        ),
        exec(
          db.selectFrom("riposte_case_enrichments").selectAll().where("case_id", "=", caseId).orderBy("id"),
        ),
        exec(db.selectFrom("riposte_case_actions").selectAll().where("case_id", "=", caseId).orderBy("id")),
        exec(
          db
            .selectFrom("riposte_case_approvals")
            .selectAll()
            .where("case_id", "=", caseId)
            .orderBy("requested_at")
            .orderBy(textId),
        ),
        exec(db.selectFrom("riposte_case_timeline").selectAll().where("case_id", "=", caseId).orderBy("seq")),
        exec(db.selectFrom("riposte_case_notes").selectAll().where("case_id", "=", caseId).orderBy("id")),
        exec(db.selectFrom("riposte_case_artifacts").selectAll().where("case_id", "=", caseId).orderBy("id")),
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
      Effect.flatMap(
        storage(first(db.selectFrom("riposte_cases").selectAll().where("id", "=", caseId))),
        (row) => (row ? Effect.succeed(Rows.toCase(row)) : Effect.fail(V.notFound(`case ${caseId}`))),
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
