/**
 * The SQL case store's operations on what hangs off a case: observables, enrichments, actions,
 * approvals, timeline events, notes, artifacts, and merging two cases.
 */
import { type CaseModel, type CaseStore, Observable, CaseValidation as V } from "@riposte/core"
import { Clock, Effect } from "effect"
import type { Selectable } from "kysely"
import type * as Database from "../Database.ts"
import * as Rows from "./Rows.ts"
import { json, type SqlContext, storage, system } from "./SqlContext.ts"

type Shape = CaseStore.CaseStoreShape

const withoutId = <T extends { readonly id?: unknown }>(row: T): Omit<T, "id"> => {
  const { id: _id, ...rest } = row
  return rest
}

export const make = (ctx: SqlContext) => {
  const {
    dialect,
    db,
    q,
    exec,
    run,
    first,
    tx,
    lockCase,
    caseExists,
    appendEvent,
    recordWithEvent,
    insertEvents,
    writeCase,
    upsertObservables,
  } = ctx

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
    return yield* tx(Effect.andThen(caseExists(caseId), upsertObservables(caseId, normalized)))
  })

  const addEnrichment: Shape["addEnrichment"] = Effect.fnUntraced(function* (input) {
    const at = input.at ?? (yield* Clock.currentTimeMillis)
    const e = yield* V.enrichment({ ...input, at })
    const event = {
      kind: "enrichment",
      actor: system,
      message: `${e.connector}.${e.action}: ${e.verdict}`,
      data: json({ observable: e.observable, score: e.score }),
    } as const
    yield* tx(recordWithEvent(q.enrichment, Rows.fromEnrichment(e), event))
  })

  const recordAction: Shape["recordAction"] = Effect.fnUntraced(function* (input) {
    const at = input.at ?? (yield* Clock.currentTimeMillis)
    const a = yield* V.action({ ...input, at })
    const inputText = yield* V.jsonText(a.input, "action.input")
    const undoText = a.undo === undefined || a.undo === null ? null : yield* V.jsonText(a.undo, "action.undo")
    const event = {
      kind: "action",
      actor: a.actor,
      message: `${a.connector}.${a.action} ${a.status}`,
      data: json({ stepPath: a.stepPath, idempotencyKey: a.idempotencyKey, approvalRef: a.approvalRef }),
    } as const
    yield* tx(
      recordWithEvent(
        q.action,
        {
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
        },
        event,
      ),
    )
  })

  const requestApproval: Shape["requestApproval"] = Effect.fnUntraced(function* (input) {
    const a = yield* V.approval(input)
    // The caller writes the "approval.requested" / "approval.decided" timeline events.
    yield* tx(
      Effect.flatMap(run(q.requestApproval, Rows.fromApproval(a)), (inserted) =>
        inserted.length > 0
          ? Effect.void
          : // Nothing inserted: the case is missing (NotFound first, as the other adapters) or the id is taken.
            Effect.andThen(caseExists(a.caseId), Effect.fail(V.conflict(`approval ${a.id} already exists`))),
      ),
    )
  })

  const decideApproval: Shape["decideApproval"] = Effect.fnUntraced(function* (approvalId, input) {
    const now = yield* Clock.currentTimeMillis
    return yield* tx(
      Effect.gen(function* () {
        const row = yield* first(q.approvalForDecision, { id: approvalId })
        if (row === undefined) return yield* V.notFound(`approval ${approvalId}`)
        const d = yield* V.decision(input)
        const current = Rows.toApproval(row)
        if (current.decision !== "pending" && current.decision !== "escalated") {
          return yield* V.conflict(`approval ${approvalId} already decided: ${current.decision}`)
        }
        // SQLite answers 1/0, Postgres true/false.
        if (!row.case_found) return yield* V.notFound(`case ${current.caseId}`)
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
        yield* run(q.updateApproval, {
          id: approvalId,
          decision: next.decision,
          approvers: json(next.approvers),
          roles: json(next.roles),
          comment: next.comment,
          expires_at: next.expiresAt,
          decided_at: next.decidedAt,
        })
        return next
      }),
    )
  })

  const getApproval: Shape["getApproval"] = (approvalId) =>
    Effect.flatMap(storage(first(q.selectApproval, { id: approvalId })), (row) =>
      row ? Effect.succeed(Rows.toApproval(row)) : Effect.fail(V.notFound(`approval ${approvalId}`)),
    )

  const listApprovals: Shape["listApprovals"] = (filter) => {
    const decisions = filter?.decision === undefined ? [] : [...new Set(filter.decision)]
    if (filter?.decision !== undefined && decisions.length === 0) return Effect.succeed([])
    const runId = filter?.runId
    const caseId = filter?.caseId
    const binding: Record<string, string> = {}
    if (runId !== undefined) binding.run_id = runId
    if (caseId !== undefined) binding.case_id = caseId
    decisions.forEach((d, i) => {
      binding[`d${i}`] = d
    })
    const query = q.listApprovals(decisions.length, runId !== undefined, caseId !== undefined)
    return storage(Effect.map(run(query, binding), (rows) => rows.map(Rows.toApproval)))
  }

  const appendTimeline: Shape["appendTimeline"] = Effect.fnUntraced(function* (caseId, event) {
    const e = yield* V.event(event)
    const text = event.data === undefined ? "null" : yield* V.jsonText(event.data, "event.data")
    // A document that is JSON null (null, NaN, …) is stored as SQL NULL.
    const data = text === "null" ? null : text
    const now = yield* Clock.currentTimeMillis
    const append = appendEvent(caseId, now, { kind: e.kind, actor: e.actor, message: e.message, data })
    // On Postgres the append is one statement (atomic on its own): no transaction round trips.
    const seq = yield* dialect === "postgres" ? storage(append) : tx(append)
    return {
      caseId,
      seq,
      at: now,
      kind: e.kind,
      actor: e.actor,
      message: e.message,
      data: data === null ? null : JSON.parse(data),
    }
  })

  const addNote: Shape["addNote"] = Effect.fnUntraced(function* (caseId, author, text) {
    const now = yield* Clock.currentTimeMillis
    const note = yield* V.note({ caseId, at: now, author, text })
    const event = {
      kind: "note",
      actor: { kind: "user", id: author },
      message: "note added",
      data: null,
    } as const
    yield* tx(recordWithEvent(q.note, { case_id: caseId, at: now, author, text: note.text }, event))
    return note
  })

  const addArtifact: Shape["addArtifact"] = Effect.fnUntraced(function* (input) {
    const at = input.at ?? (yield* Clock.currentTimeMillis)
    const a = yield* V.artifact({ ...input, at })
    const event = {
      kind: "artifact",
      actor: system,
      message: `artifact ${a.name} (${a.contentType}, ${a.size} bytes)`,
      data: json({ sha256: a.sha256 }),
    } as const
    yield* tx(recordWithEvent(q.artifact, Rows.fromArtifact(a), event))
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
        yield* upsertObservables(targetId, observables.map(Rows.toObservable))
        const closed = { ...V.withStatus(source, "closed", now), mergedInto: targetId, updatedAt: now }
        yield* insertEvents(sourceId, now, yield* writeCase(closed, 1), [
          {
            kind: "case.merged",
            actor: who,
            message: `merged into ${targetId}`,
            data: json({ into: targetId }),
          },
        ])
        const mergedIn = `case ${sourceId} merged in`
        yield* appendEvent(
          targetId,
          now,
          { kind: "case.merged", actor: who, message: mergedIn, data: json({ from: sourceId }) },
          now,
        )
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
