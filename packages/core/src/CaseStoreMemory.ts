/**
 * An in-memory {@link CaseStore}: for tests, examples and the in-process engine. It follows the
 * same contract as the SQL adapters of `@riposte/case-store` (one shared contract suite).
 * Time comes from the Effect `Clock`, so `TestClock` drives dedup windows and SLA stamps.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Layer, Schema } from "effect"
import {
  ActionRecord,
  Actor,
  ApprovalRecord,
  ArtifactRecord,
  CaseFilter,
  CasePatch,
  type CaseRecord,
  type CaseStatus,
  type CaseView,
  EnrichmentRecord,
  NewCase,
  NoteRecord,
  ObservableInput,
  type ObservableRecord,
  type Severity,
  type TimelineEvent,
  TimelineKind,
} from "./CaseModel.ts"
import {
  CaseStore,
  CaseStoreError,
  type CaseStoreShape,
  type DurationStats,
  type SlaMetrics,
} from "./CaseStore.ts"
import { decode, invalid, MAX_JSON, MAX_MESSAGE } from "./CaseValidation.ts"
import * as Observable from "./Observable.ts"

const DEFAULT_WINDOW = 24 * 60 * 60 * 1000
const statusRank: Record<CaseStatus, number> = { new: 0, triaged: 1, contained: 2, resolved: 3, closed: 4 }

/** Copies a value through JSON, as every SQL adapter stores it; rejects what JSON cannot hold. */
const jsonCopy = (value: unknown, path: string): Effect.Effect<unknown, CaseStoreError> =>
  Effect.suspend(() => {
    if (value === undefined) return Effect.succeed(null)
    let text: string | undefined
    try {
      text = JSON.stringify(value)
    } catch (cause) {
      return Effect.fail(invalid(`not JSON-serialisable: ${String(cause)}`, path))
    }
    if (text === undefined) return Effect.fail(invalid("not JSON-serialisable", path))
    if (text.length > MAX_JSON)
      return Effect.fail(invalid(`document larger than ${MAX_JSON} characters`, path))
    return Effect.succeed(JSON.parse(text) as unknown)
  })

const decodeNewCase = decode(NewCase, "case")
const decodePatch = decode(CasePatch, "patch")
const decodeObservables = decode(Schema.Array(ObservableInput), "observables")
const decodeEnrichment = decode(EnrichmentRecord, "enrichment")
const decodeAction = decode(ActionRecord, "action")
const decodeApproval = decode(ApprovalRecord, "approval")
const decodeNote = decode(NoteRecord, "note")
const decodeArtifact = decode(ArtifactRecord, "artifact")
const decodeFilter = decode(CaseFilter, "filter")
const decodeEvent = decode(
  Schema.Struct({
    kind: TimelineKind,
    actor: Actor,
    message: Schema.String.check(Schema.isMaxLength(MAX_MESSAGE)),
  }),
  "event",
)
const decodeActor = decode(Actor, "actor")
const decodeDecision = decode(
  Schema.Struct({
    decision: Schema.Literals(["pending", "approved", "denied", "timeout", "escalated"]),
    approvers: Schema.Array(Schema.String),
    comment: Schema.optional(Schema.NullOr(Schema.String.check(Schema.isMaxLength(MAX_MESSAGE)))),
    roles: Schema.optional(Schema.Array(Schema.String)),
    extendMillis: Schema.optional(Schema.Number),
  }),
  "decision",
)

/** Linear-interpolated percentile over sorted values (Postgres `percentile_cont`). */
const percentile = (sorted: ReadonlyArray<number>, p: number): number | null => {
  if (sorted.length === 0) return null
  const pos = p * (sorted.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const a = sorted[lo] as number
  const b = sorted[hi] as number
  return a + (b - a) * (pos - lo)
}

const stats = (values: ReadonlyArray<number>): DurationStats => {
  const sorted = [...values].sort((a, b) => a - b)
  // Percentiles are milliseconds; drop floating-point noise below a microsecond (as the SQL adapters do).
  const ms = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000)
  return { count: sorted.length, p50: ms(percentile(sorted, 0.5)), p90: ms(percentile(sorted, 0.9)) }
}

interface CaseState {
  record: CaseRecord
  readonly alerts: Array<unknown>
  readonly observables: Map<string, ObservableRecord>
  readonly enrichments: Array<EnrichmentRecord>
  readonly notes: Array<NoteRecord>
  readonly artifacts: Array<ArtifactRecord>
}

/**
 * Builds an in-memory case store. Each call returns an independent store.
 *
 * @example
 * ```ts
 * const store = yield* CaseStoreMemory.make
 * const { case: c } = yield* store.open({ title: "Phish", severity: "high", playbook: "phish", playbookVersion: "1" })
 * ```
 */
export const make: Effect.Effect<CaseStoreShape> = Effect.sync(() => {
  const cases = new Map<string, CaseState>()
  // Cases by dedup key, in opening order (the order of `cases`): `open` reads only its key's.
  const byDedupKey = new Map<string, Array<CaseState>>()
  // Audit records (actions, approvals, timeline) outlive a purge with `keepAudit`.
  const actions = new Map<string, Array<ActionRecord>>()
  const approvals = new Map<string, ApprovalRecord>()
  const timeline = new Map<string, Array<TimelineEvent>>()

  const getState = (caseId: string) =>
    Effect.suspend(() => {
      const state = cases.get(caseId)
      return state
        ? Effect.succeed(state)
        : Effect.fail(new CaseStoreError({ reason: "NotFound", detail: `case ${caseId} not found` }))
    })

  const pushEvent = (
    caseId: string,
    at: number,
    kind: TimelineEvent["kind"],
    actor: Actor,
    message: string,
    data: unknown = null,
  ): TimelineEvent => {
    const events = timeline.get(caseId) ?? []
    timeline.set(caseId, events)
    const seq = (events.at(-1)?.seq ?? 0) + 1
    const event: TimelineEvent = { caseId, seq, at, kind, actor, message, data }
    events.push(event)
    return event
  }

  const mergeObservable = (state: CaseState, incoming: ObservableRecord): ObservableRecord => {
    const key = `${incoming.type}\u0000${incoming.value}`
    const existing = state.observables.get(key)
    const merged: ObservableRecord = existing
      ? {
          ...existing,
          verdict: Observable.worstVerdict([existing.verdict, incoming.verdict]),
          sources: [...new Set([...existing.sources, ...incoming.sources])],
          firstSeen: Math.min(existing.firstSeen, incoming.firstSeen),
          lastSeen: Math.max(existing.lastSeen, incoming.lastSeen),
        }
      : { ...incoming, caseId: state.record.id }
    state.observables.set(key, merged)
    return merged
  }

  const system: Actor = { kind: "system", id: "case-store" }

  const open: CaseStoreShape["open"] = Effect.fnUntraced(function* (input, options) {
    const decoded = yield* decodeNewCase(input)
    const alert = decoded.alert === undefined ? undefined : yield* jsonCopy(decoded.alert, "case.alert")
    const actor = options?.actor === undefined ? system : yield* decodeActor(options.actor)
    const window = options?.dedupWindowMillis ?? DEFAULT_WINDOW
    if (!Number.isFinite(window) || window < 0)
      return yield* invalid("must be a non-negative number", "dedupWindowMillis")
    const now = yield* Clock.currentTimeMillis
    const tenant = decoded.tenant ?? "default"
    const dedupKey = decoded.dedupKey ?? null
    if (dedupKey !== null) {
      let match: CaseState | undefined
      for (const state of byDedupKey.get(dedupKey) ?? []) {
        const r = state.record
        if (r.dedupKey !== dedupKey || r.tenant !== tenant || r.status === "closed" || r.mergedInto !== null)
          continue
        if (r.createdAt < now - window) continue
        if (match === undefined || r.createdAt > match.record.createdAt) match = state
      }
      if (match) {
        if (alert !== undefined) match.alerts.push(alert)
        match.record = { ...match.record, updatedAt: now }
        pushEvent(match.record.id, now, "alert.attached", actor, `alert attached (dedup key ${dedupKey})`, {
          dedupKey,
          title: decoded.title,
        })
        return { case: match.record, attached: true }
      }
    }
    const record: CaseRecord = {
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
    const state: CaseState = {
      record,
      alerts: alert === undefined ? [] : [alert],
      observables: new Map(),
      enrichments: [],
      notes: [],
      artifacts: [],
    }
    cases.set(record.id, state)
    if (dedupKey !== null) {
      const same = byDedupKey.get(dedupKey)
      if (same === undefined) byDedupKey.set(dedupKey, [state])
      else same.push(state)
    }
    pushEvent(record.id, now, "case.opened", actor, `case opened: ${record.title}`, {
      severity: record.severity,
    })
    return { case: record, attached: false }
  })

  /** Applies status stamps: reaching a later status implies the earlier milestones. */
  const withStatus = (r: CaseRecord, status: CaseStatus, now: number): CaseRecord => {
    const rank = statusRank[status]
    return {
      ...r,
      status,
      acknowledgedAt: r.acknowledgedAt ?? (rank >= 1 ? now : null),
      containedAt: r.containedAt ?? (rank >= 2 ? now : null),
      resolvedAt: r.resolvedAt ?? (rank >= 3 ? now : null),
      closedAt: status === "closed" ? (r.status === "closed" ? r.closedAt : now) : null,
    }
  }

  const update: CaseStoreShape["update"] = Effect.fnUntraced(function* (caseId, patch, actor) {
    const p = yield* decodePatch(patch)
    const who = yield* decodeActor(actor)
    const state = yield* getState(caseId)
    const now = yield* Clock.currentTimeMillis
    const before = state.record
    let next: { -readonly [K in keyof CaseRecord]: CaseRecord[K] } = { ...before, updatedAt: now }
    const changed: Record<string, unknown> = {}
    if (p.title !== undefined && p.title !== before.title) changed.title = next.title = p.title
    if (p.severity !== undefined && p.severity !== before.severity)
      changed.severity = next.severity = p.severity
    if (p.assignee !== undefined && p.assignee !== before.assignee)
      changed.assignee = next.assignee = p.assignee
    if (p.tags !== undefined) changed.tags = next.tags = [...p.tags]
    if (p.resolution !== undefined) changed.resolution = next.resolution = p.resolution
    if (p.status !== undefined && p.status !== before.status) next = withStatus(next, p.status, now)
    state.record = next
    if (Object.keys(changed).length > 0) {
      pushEvent(caseId, now, "case.updated", who, `updated ${Object.keys(changed).join(", ")}`, changed)
    }
    if (next.status !== before.status) {
      pushEvent(caseId, now, "case.status", who, `status ${before.status} → ${next.status}`, {
        from: before.status,
        to: next.status,
      })
    }
    return next
  })

  const addObservables: CaseStoreShape["addObservables"] = Effect.fnUntraced(function* (caseId, observables) {
    const inputs = yield* decodeObservables(observables)
    const state = yield* getState(caseId)
    const now = yield* Clock.currentTimeMillis
    const normalized: Array<ObservableRecord> = []
    for (const [i, input] of inputs.entries()) {
      let o: Observable.Observable
      try {
        o = Observable.normalize(input.type, input.raw)
      } catch (e) {
        const detail = e instanceof Observable.InvalidObservable ? e.detail : String(e)
        return yield* invalid(detail, `observables.${i}.raw`)
      }
      normalized.push({
        caseId,
        type: o.type,
        value: o.value,
        raw: o.raw,
        verdict: input.verdict ?? "unknown",
        sources: input.source === undefined ? [] : [input.source],
        firstSeen: now,
        lastSeen: now,
      })
    }
    const result = normalized.map((o) => mergeObservable(state, o))
    // Return one record per distinct observable, in input order.
    return [...new Map(result.map((o) => [`${o.type}\u0000${o.value}`, o])).keys()].map(
      (k) => state.observables.get(k) as ObservableRecord,
    )
  })

  const addEnrichment: CaseStoreShape["addEnrichment"] = Effect.fnUntraced(function* (input) {
    const at = input.at ?? (yield* Clock.currentTimeMillis)
    const e = yield* decodeEnrichment({ ...input, at })
    const state = yield* getState(e.caseId)
    state.enrichments.push(e)
    pushEvent(e.caseId, at, "enrichment", system, `${e.connector}.${e.action}: ${e.verdict}`, {
      observable: e.observable,
      score: e.score,
    })
  })

  const recordAction: CaseStoreShape["recordAction"] = Effect.fnUntraced(function* (input) {
    const at = input.at ?? (yield* Clock.currentTimeMillis)
    const decoded = yield* decodeAction({ ...input, at })
    const a: ActionRecord = {
      ...decoded,
      input: yield* jsonCopy(decoded.input, "action.input"),
      // The reverse call is stored as a copy too: rollback must not see later mutations.
      ...(decoded.undo === undefined || decoded.undo === null
        ? {}
        : { undo: (yield* jsonCopy(decoded.undo, "action.undo")) as ActionRecord["undo"] }),
    }
    yield* getState(a.caseId)
    const list = actions.get(a.caseId) ?? []
    actions.set(a.caseId, list)
    list.push(a)
    pushEvent(a.caseId, at, "action", a.actor, `${a.connector}.${a.action} ${a.status}`, {
      stepPath: a.stepPath,
      idempotencyKey: a.idempotencyKey,
      approvalRef: a.approvalRef,
    })
  })

  const requestApproval: CaseStoreShape["requestApproval"] = Effect.fnUntraced(function* (input) {
    const a = yield* decodeApproval(input)
    yield* getState(a.caseId)
    if (approvals.has(a.id)) {
      return yield* new CaseStoreError({ reason: "Conflict", detail: `approval ${a.id} already exists` })
    }
    // Like decideApproval, the caller writes the "approval.requested" timeline event.
    approvals.set(a.id, a)
  })

  // Semantics (see CaseStore.ApprovalDecisionInput): only a pending or escalated request can
  // change; `pending` records a partial vote, `escalated` re-targets roles and extends expiry,
  // anything else is final. Callers write the timeline event (they know who and why).
  const decideApproval: CaseStoreShape["decideApproval"] = Effect.fnUntraced(
    function* (approvalId, decision) {
      const current = approvals.get(approvalId)
      if (current === undefined) {
        return yield* new CaseStoreError({ reason: "NotFound", detail: `approval ${approvalId} not found` })
      }
      const decoded = yield* decodeDecision(decision)
      if (current.decision !== "pending" && current.decision !== "escalated") {
        return yield* new CaseStoreError({
          reason: "Conflict",
          detail: `approval ${approvalId} already decided: ${current.decision}`,
        })
      }
      yield* getState(current.caseId)
      const now = yield* Clock.currentTimeMillis
      const final = decoded.decision !== "pending" && decoded.decision !== "escalated"
      const next: ApprovalRecord = {
        ...current,
        decision: decoded.decision,
        approvers: [...decoded.approvers],
        comment: decoded.comment ?? current.comment,
        roles: decoded.roles === undefined ? current.roles : [...decoded.roles],
        expiresAt: decoded.extendMillis === undefined ? current.expiresAt : now + decoded.extendMillis,
        decidedAt: final ? now : null,
      }
      approvals.set(approvalId, next)
      return next
    },
  )

  const getApproval: CaseStoreShape["getApproval"] = (approvalId) =>
    Effect.suspend(() => {
      const a = approvals.get(approvalId)
      return a
        ? Effect.succeed(a)
        : Effect.fail(new CaseStoreError({ reason: "NotFound", detail: `approval ${approvalId} not found` }))
    })

  const listApprovals: CaseStoreShape["listApprovals"] = (filter) =>
    Effect.sync(() =>
      [...approvals.values()]
        .filter(
          (a) =>
            (filter?.decision === undefined || filter.decision.includes(a.decision)) &&
            (filter?.runId === undefined || a.runId === filter.runId) &&
            (filter?.caseId === undefined || a.caseId === filter.caseId),
        )
        .sort((a, b) => a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    )

  const appendTimeline: CaseStoreShape["appendTimeline"] = Effect.fnUntraced(function* (caseId, event) {
    const e = yield* decodeEvent(event)
    const data = yield* jsonCopy(event.data, "event.data")
    yield* getState(caseId)
    const now = yield* Clock.currentTimeMillis
    return pushEvent(caseId, now, e.kind, e.actor, e.message, data)
  })

  const addNote: CaseStoreShape["addNote"] = Effect.fnUntraced(function* (caseId, author, text) {
    const now = yield* Clock.currentTimeMillis
    const note = yield* decodeNote({ caseId, at: now, author, text })
    const state = yield* getState(caseId)
    state.notes.push(note)
    pushEvent(caseId, now, "note", { kind: "user", id: author }, "note added")
    return note
  })

  const addArtifact: CaseStoreShape["addArtifact"] = Effect.fnUntraced(function* (input) {
    const at = input.at ?? (yield* Clock.currentTimeMillis)
    const a = yield* decodeArtifact({ ...input, at })
    const state = yield* getState(a.caseId)
    state.artifacts.push(a)
    pushEvent(a.caseId, at, "artifact", system, `artifact ${a.name} (${a.contentType}, ${a.size} bytes)`, {
      sha256: a.sha256,
    })
  })

  const merge: CaseStoreShape["merge"] = Effect.fnUntraced(function* (sourceId, targetId, actor) {
    const who = yield* decodeActor(actor)
    if (sourceId === targetId) return yield* invalid("cannot merge a case into itself", "targetId")
    const source = yield* getState(sourceId)
    const target = yield* getState(targetId)
    if (source.record.mergedInto !== null) {
      return yield* new CaseStoreError({ reason: "Conflict", detail: `case ${sourceId} is already merged` })
    }
    if (target.record.mergedInto !== null) {
      return yield* new CaseStoreError({
        reason: "Conflict",
        detail: `case ${targetId} is merged; merge into its target`,
      })
    }
    const now = yield* Clock.currentTimeMillis
    target.alerts.push(...source.alerts)
    for (const o of source.observables.values()) mergeObservable(target, o)
    target.enrichments.push(...source.enrichments.map((e) => ({ ...e, caseId: targetId })))
    target.notes.push(...source.notes.map((n) => ({ ...n, caseId: targetId })))
    target.artifacts.push(...source.artifacts.map((a) => ({ ...a, caseId: targetId })))
    source.record = { ...withStatus(source.record, "closed", now), mergedInto: targetId, updatedAt: now }
    target.record = { ...target.record, updatedAt: now }
    pushEvent(sourceId, now, "case.merged", who, `merged into ${targetId}`, { into: targetId })
    pushEvent(targetId, now, "case.merged", who, `case ${sourceId} merged in`, { from: sourceId })
    return target.record
  })

  const list: CaseStoreShape["list"] = Effect.fnUntraced(function* (filter) {
    const f = yield* decodeFilter(filter ?? {})
    if (f.limit !== undefined && (!Number.isInteger(f.limit) || f.limit < 1)) {
      return yield* invalid("must be a positive integer", "filter.limit")
    }
    const value = f.observableValue
    const out = [...cases.values()]
      .filter((s) => {
        const r = s.record
        if (f.status && !f.status.includes(r.status)) return false
        if (f.severity && !f.severity.includes(r.severity)) return false
        if (f.playbook !== undefined && r.playbook !== f.playbook) return false
        if (f.tenant !== undefined && r.tenant !== f.tenant) return false
        if (f.from !== undefined && r.createdAt < f.from) return false
        if (f.to !== undefined && r.createdAt >= f.to) return false
        if (value !== undefined && ![...s.observables.values()].some((o) => o.value === value)) return false
        return true
      })
      .map((s) => s.record)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
    return f.limit === undefined ? out : out.slice(0, f.limit)
  })

  const metrics: CaseStoreShape["metrics"] = ({ from, to }) =>
    Effect.sync(() => {
      const groups = new Map<string, Array<CaseRecord>>()
      for (const { record: r } of cases.values()) {
        if (r.createdAt < from || r.createdAt >= to || r.mergedInto !== null) continue
        const key = JSON.stringify([r.playbook, r.severity])
        const group = groups.get(key) ?? []
        groups.set(key, group)
        group.push(r)
      }
      const since = (rs: Array<CaseRecord>, pick: (r: CaseRecord) => number | null) =>
        stats(rs.flatMap((r) => (pick(r) === null ? [] : [(pick(r) as number) - r.createdAt])))
      return [...groups.entries()]
        .sort(([a], [b]) => {
          const [pa, sa] = JSON.parse(a) as [string, string]
          const [pb, sb] = JSON.parse(b) as [string, string]
          return pa < pb ? -1 : pa > pb ? 1 : sa < sb ? -1 : sa > sb ? 1 : 0
        })
        .map(([key, rs]): SlaMetrics => {
          const [playbook, severity] = JSON.parse(key) as [string, Severity]
          return {
            playbook,
            severity,
            cases: rs.length,
            mtta: since(rs, (r) => r.acknowledgedAt),
            mttc: since(rs, (r) => r.containedAt),
            mttr: since(rs, (r) => r.resolvedAt),
          }
        })
    })

  const purge: CaseStoreShape["purge"] = ({ before, keepAudit }) =>
    Effect.sync(() => {
      let removed = 0
      for (const [id, state] of cases) {
        const { record } = state
        if (record.status !== "closed" || record.closedAt === null || record.closedAt >= before) continue
        cases.delete(id)
        if (record.dedupKey !== null) {
          const same = byDedupKey.get(record.dedupKey)
          const rest = same?.filter((s) => s !== state) ?? []
          if (rest.length > 0) byDedupKey.set(record.dedupKey, rest)
          else byDedupKey.delete(record.dedupKey)
        }
        removed++
        if (!keepAudit) {
          actions.delete(id)
          timeline.delete(id)
          for (const [approvalId, a] of approvals) if (a.caseId === id) approvals.delete(approvalId)
        }
      }
      return removed
    })

  const view: CaseStoreShape["view"] = (caseId) =>
    Effect.map(
      getState(caseId),
      (s): CaseView => ({
        case: s.record,
        alerts: [...s.alerts],
        observables: [...s.observables.values()],
        enrichments: [...s.enrichments],
        actions: [...(actions.get(caseId) ?? [])],
        approvals: [...approvals.values()]
          .filter((a) => a.caseId === caseId)
          .sort((a, b) => a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
        timeline: [...(timeline.get(caseId) ?? [])],
        notes: [...s.notes],
        artifacts: [...s.artifacts],
      }),
    )

  return CaseStore.of({
    open,
    get: (caseId) => Effect.map(getState(caseId), (s) => s.record),
    view,
    list,
    update,
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
    metrics,
    purge,
    transaction: (effect) => effect,
  })
})

/**
 * The in-memory case store as a Layer.
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(CaseStoreMemory.layer))
 * ```
 */
export const layer: Layer.Layer<CaseStore> = Layer.effect(CaseStore, make)
