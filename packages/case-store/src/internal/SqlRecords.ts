/**
 * The SQL case store's operations on what hangs off a case: observables, enrichments, actions,
 * approvals, timeline events, notes, artifacts, and merging two cases.
 */
import { type CaseModel, type CaseStore, Observable, CaseValidation as V } from "@riposte/core"
import { Clock, Effect } from "effect"
import type { Selectable } from "kysely"
import type * as Database from "../Database.ts"
import * as Rows from "./Rows.ts"
import { type SqlContext, storage, system } from "./SqlContext.ts"

type Shape = CaseStore.CaseStoreShape

const withoutId = <T extends { readonly id?: unknown }>(row: T): Omit<T, "id"> => {
  const { id: _id, ...rest } = row
  return rest
}

export const make = (ctx: SqlContext) => {
  const { dialect, db, exec, first, tx, lockCase, appendEvent, touch, writeCase, upsertObservable } = ctx

  const addObservables: Shape["addObservables"] = Effect.fnUntraced(function* (caseId, input) {
    const inputs = yield* V.observables(input)
    const now = yield* Clock.currentTimeMillis
    const normalized: Array<CaseModel.ObservableRecord> = []
    for (const [i, o] of inputs.entries()) {
      let n: Observable.Observable
      try {
        n = Observable.normalize(o.type, o.raw)
      } catch (e) {
        return yield* V.invalid(
          e instanceof Observable.InvalidObservable ? e.detail : String(e),
          `observables.${i}.raw`,
        )
      }
      normalized.push({
        caseId,
        type: n.type,
        value: n.value,
        raw: n.raw,
        verdict: o.verdict ?? "unknown",
        sources: o.source === undefined ? [] : [o.source],
        firstSeen: now,
        lastSeen: now,
      })
    }
    return yield* tx(
      Effect.gen(function* () {
        yield* lockCase(caseId)
        const out = new Map<string, CaseModel.ObservableRecord>()
        for (const o of normalized) out.set(`${o.type}\u0000${o.value}`, yield* upsertObservable(caseId, o))
        return [...out.values()]
      }),
    )
  })

  const addEnrichment: Shape["addEnrichment"] = Effect.fnUntraced(function* (input) {
    const at = input.at ?? (yield* Clock.currentTimeMillis)
    const e = yield* V.enrichment({ ...input, at })
    yield* tx(
      Effect.gen(function* () {
        // The event's update locks the case (and fails with NotFound) before the insert.
        yield* appendEvent(e.caseId, at, "enrichment", system, `${e.connector}.${e.action}: ${e.verdict}`, {
          observable: e.observable,
          score: e.score,
        })
        yield* exec(db.insertInto("riposte_case_enrichments").values(Rows.fromEnrichment(e)))
      }),
    )
  })

  const recordAction: Shape["recordAction"] = Effect.fnUntraced(function* (input) {
    const at = input.at ?? (yield* Clock.currentTimeMillis)
    const a = yield* V.action({ ...input, at })
    const inputText = yield* V.jsonText(a.input, "action.input")
    const undoText = a.undo === undefined || a.undo === null ? null : yield* V.jsonText(a.undo, "action.undo")
    yield* tx(
      Effect.gen(function* () {
        yield* appendEvent(a.caseId, at, "action", a.actor, `${a.connector}.${a.action} ${a.status}`, {
          stepPath: a.stepPath,
          idempotencyKey: a.idempotencyKey,
          approvalRef: a.approvalRef,
        })
        yield* exec(
          db.insertInto("riposte_case_actions").values({
            case_id: a.caseId,
            step_path: a.stepPath,
            connector: a.connector,
            action: a.action,
            kind: a.kind,
            input_hash: a.inputHash,
            input: inputText,
            output_summary: a.outputSummary,
            status: a.status,
            idempotency_key: a.idempotencyKey,
            approval_ref: a.approvalRef,
            actor_kind: a.actor.kind,
            actor_id: a.actor.id,
            at,
            undo: undoText,
          }),
        )
      }),
    )
  })

  const requestApproval: Shape["requestApproval"] = Effect.fnUntraced(function* (input) {
    const a = yield* V.approval(input)
    yield* tx(
      Effect.gen(function* () {
        yield* lockCase(a.caseId)
        const existing = yield* first(
          db.selectFrom("riposte_case_approvals").select("id").where("id", "=", a.id),
        )
        if (existing !== undefined) return yield* V.conflict(`approval ${a.id} already exists`)
        // The caller writes the "approval.requested" / "approval.decided" timeline events.
        yield* exec(db.insertInto("riposte_case_approvals").values(Rows.fromApproval(a)))
      }),
    )
  })

  const decideApproval: Shape["decideApproval"] = Effect.fnUntraced(function* (approvalId, input) {
    const now = yield* Clock.currentTimeMillis
    return yield* tx(
      Effect.gen(function* () {
        const q = db.selectFrom("riposte_case_approvals").selectAll().where("id", "=", approvalId)
        const row = yield* first(dialect === "postgres" ? q.forUpdate() : q)
        if (row === undefined) return yield* V.notFound(`approval ${approvalId}`)
        const d = yield* V.decision(input)
        const current = Rows.toApproval(row)
        if (current.decision !== "pending" && current.decision !== "escalated") {
          return yield* V.conflict(`approval ${approvalId} already decided: ${current.decision}`)
        }
        yield* lockCase(current.caseId)
        const final = d.decision !== "pending" && d.decision !== "escalated"
        const next: CaseModel.ApprovalRecord = {
          ...current,
          decision: d.decision,
          approvers: [...d.approvers],
          comment: d.comment ?? current.comment,
          roles: d.roles === undefined ? current.roles : [...d.roles],
          expiresAt: d.extendMillis === undefined ? current.expiresAt : now + d.extendMillis,
          decidedAt: final ? now : null,
        }
        yield* exec(
          db
            .updateTable("riposte_case_approvals")
            .set({
              decision: next.decision,
              approvers: JSON.stringify(next.approvers),
              roles: JSON.stringify(next.roles),
              comment: next.comment,
              expires_at: next.expiresAt,
              decided_at: next.decidedAt,
            })
            .where("id", "=", approvalId),
        )
        return next
      }),
    )
  })

  const getApproval: Shape["getApproval"] = (approvalId) =>
    Effect.flatMap(
      storage(first(db.selectFrom("riposte_case_approvals").selectAll().where("id", "=", approvalId))),
      (row) =>
        row ? Effect.succeed(Rows.toApproval(row)) : Effect.fail(V.notFound(`approval ${approvalId}`)),
    )

  const listApprovals: Shape["listApprovals"] = (filter) => {
    if (filter?.decision?.length === 0) return Effect.succeed([])
    let q = db.selectFrom("riposte_case_approvals").selectAll()
    if (filter?.decision !== undefined) q = q.where("decision", "in", filter.decision)
    if (filter?.runId !== undefined) q = q.where("run_id", "=", filter.runId)
    if (filter?.caseId !== undefined) q = q.where("case_id", "=", filter.caseId)
    return storage(
      Effect.map(exec(q.orderBy("requested_at").orderBy(ctx.textId)), (rows) => rows.map(Rows.toApproval)),
    )
  }

  const appendTimeline: Shape["appendTimeline"] = Effect.fnUntraced(function* (caseId, event) {
    const e = yield* V.event(event)
    const data = event.data === undefined ? null : JSON.parse(yield* V.jsonText(event.data, "event.data"))
    const now = yield* Clock.currentTimeMillis
    return yield* tx(appendEvent(caseId, now, e.kind, e.actor, e.message, data))
  })

  const addNote: Shape["addNote"] = Effect.fnUntraced(function* (caseId, author, text) {
    const now = yield* Clock.currentTimeMillis
    const note = yield* V.note({ caseId, at: now, author, text })
    return yield* tx(
      Effect.gen(function* () {
        yield* lockCase(caseId)
        yield* exec(
          db.insertInto("riposte_case_notes").values({ case_id: caseId, at: now, author, text: note.text }),
        )
        yield* appendEvent(caseId, now, "note", { kind: "user", id: author }, "note added")
        return note
      }),
    )
  })

  const addArtifact: Shape["addArtifact"] = Effect.fnUntraced(function* (input) {
    const at = input.at ?? (yield* Clock.currentTimeMillis)
    const a = yield* V.artifact({ ...input, at })
    yield* tx(
      Effect.gen(function* () {
        yield* lockCase(a.caseId)
        yield* exec(db.insertInto("riposte_case_artifacts").values(Rows.fromArtifact(a)))
        yield* appendEvent(
          a.caseId,
          at,
          "artifact",
          system,
          `artifact ${a.name} (${a.contentType}, ${a.size} bytes)`,
          {
            sha256: a.sha256,
          },
        )
      }),
    )
  })

  const merge: Shape["merge"] = Effect.fnUntraced(function* (sourceId, targetId, actor) {
    const who = yield* V.actor(actor)
    if (sourceId === targetId) return yield* V.invalid("cannot merge a case into itself", "targetId")
    const now = yield* Clock.currentTimeMillis
    return yield* tx(
      Effect.gen(function* () {
        // Lock in id order so two opposite merges cannot deadlock.
        const [a, b] = sourceId < targetId ? [sourceId, targetId] : [targetId, sourceId]
        const first_ = yield* lockCase(a)
        const second = yield* lockCase(b)
        const source = first_.id === sourceId ? first_ : second
        const target = first_.id === targetId ? first_ : second
        if (source.mergedInto !== null) return yield* V.conflict(`case ${sourceId} is already merged`)
        if (target.mergedInto !== null)
          return yield* V.conflict(`case ${targetId} is merged; merge into its target`)
        const by = <
          T extends
            | "riposte_case_alerts"
            | "riposte_case_enrichments"
            | "riposte_case_notes"
            | "riposte_case_artifacts",
        >(
          table: T,
        ) =>
          exec(
            db
              .selectFrom(table as "riposte_case_alerts")
              .selectAll()
              .where("case_id", "=", sourceId)
              .orderBy("id"),
          )
        for (const r of yield* by("riposte_case_alerts")) {
          yield* exec(db.insertInto("riposte_case_alerts").values({ ...withoutId(r), case_id: targetId }))
        }
        const enrichments = (yield* by("riposte_case_enrichments")) as unknown as ReadonlyArray<
          Selectable<Database.EnrichmentsTable>
        >
        for (const r of enrichments) {
          yield* exec(
            db.insertInto("riposte_case_enrichments").values({ ...withoutId(r), case_id: targetId }),
          )
        }
        const notes = (yield* by("riposte_case_notes")) as unknown as ReadonlyArray<
          Selectable<Database.NotesTable>
        >
        for (const r of notes) {
          yield* exec(db.insertInto("riposte_case_notes").values({ ...withoutId(r), case_id: targetId }))
        }
        const artifacts = (yield* by("riposte_case_artifacts")) as unknown as ReadonlyArray<
          Selectable<Database.ArtifactsTable>
        >
        for (const r of artifacts) {
          yield* exec(db.insertInto("riposte_case_artifacts").values({ ...withoutId(r), case_id: targetId }))
        }
        const observables = yield* exec(
          db.selectFrom("riposte_case_observables").selectAll().where("case_id", "=", sourceId),
        )
        for (const r of observables) yield* upsertObservable(targetId, Rows.toObservable(r))
        yield* writeCase({ ...V.withStatus(source, "closed", now), mergedInto: targetId, updatedAt: now })
        yield* touch(targetId, now)
        yield* appendEvent(sourceId, now, "case.merged", who, `merged into ${targetId}`, { into: targetId })
        yield* appendEvent(targetId, now, "case.merged", who, `case ${sourceId} merged in`, {
          from: sourceId,
        })
        return { ...target, updatedAt: now }
      }),
    )
  })

  return {
    addObservables,
    addEnrichment,
    recordAction,
    requestApproval,
    decideApproval,
    getApproval,
    listApprovals,
    appendTimeline,
    addNote,
    addArtifact,
    merge,
  }
}
