/**
 * The `CaseStore` service: where every run writes its incident record. Adapters: memory
 * (here), SQLite and Postgres over kysely (`@riposte/case-store`). All adapters pass the same
 * contract suite.
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema } from "effect"
import type {
  ActionRecord,
  Actor,
  ApprovalDecision,
  ApprovalRecord,
  ArtifactRecord,
  CaseFilter,
  CasePatch,
  CaseRecord,
  CaseView,
  EnrichmentRecord,
  NewCase,
  NoteRecord,
  ObservableInput,
  ObservableRecord,
  Severity,
  TimelineEvent,
  TimelineKind,
} from "./CaseModel.ts"

export class CaseStoreError extends Schema.TaggedError<CaseStoreError>()("CaseStoreError", {
  reason: Schema.Literals(["NotFound", "Invalid", "Conflict", "Storage"]),
  detail: Schema.String,
  path: Schema.optional(Schema.String),
}) {
  override get message(): string {
    return `case store: ${this.reason}${this.path === undefined ? "" : ` at ${this.path}`}: ${this.detail}`
  }
}

/** Options of {@link CaseStoreShape.open}. */
export interface OpenOptions {
  /** Attach to an open case with the same dedup key created within this window (default 24 h). */
  readonly dedupWindowMillis?: number
  readonly actor?: Actor
}

/** Duration statistics in milliseconds. */
export interface DurationStats {
  readonly count: number
  readonly p50: number | null
  readonly p90: number | null
}

/** SLA metrics for one (playbook, severity) group. */
export interface SlaMetrics {
  readonly playbook: string
  readonly severity: Severity
  readonly cases: number
  /** Mean/percentile time to acknowledge: created → acknowledged. */
  readonly mtta: DurationStats
  /** Time to contain: created → contained. */
  readonly mttc: DurationStats
  /** Time to resolve: created → resolved. */
  readonly mttr: DurationStats
}

export type NewEnrichment = Omit<EnrichmentRecord, "at"> & { readonly at?: number }
export type NewAction = Omit<ActionRecord, "at"> & { readonly at?: number }
export type NewArtifact = Omit<ArtifactRecord, "at"> & { readonly at?: number }

/**
 * A change to an approval request. `pending` records a partial vote (quorum not reached yet);
 * `escalated` hands the request to `roles` and extends its expiry by `extendMillis`; the others
 * are final and stamp `decidedAt`. Only a `pending` or `escalated` request can change.
 */
export interface ApprovalDecisionInput {
  readonly decision: ApprovalDecision
  /** The full list of approvers so far (not a delta). */
  readonly approvers: ReadonlyArray<string>
  readonly comment?: string | null
  readonly roles?: ReadonlyArray<string>
  readonly extendMillis?: number
}

export interface ApprovalFilter {
  readonly decision?: ReadonlyArray<ApprovalDecision>
  readonly runId?: string
  readonly caseId?: string
}

export interface CaseStoreShape {
  /** Opens a case, or attaches to an open one with the same dedup key inside the window. */
  readonly open: (
    input: NewCase,
    options?: OpenOptions,
  ) => Effect.Effect<{ readonly case: CaseRecord; readonly attached: boolean }, CaseStoreError>
  readonly get: (caseId: string) => Effect.Effect<CaseRecord, CaseStoreError>
  readonly view: (caseId: string) => Effect.Effect<CaseView, CaseStoreError>
  readonly list: (filter?: CaseFilter) => Effect.Effect<ReadonlyArray<CaseRecord>, CaseStoreError>
  /** Applies a patch; status changes stamp acknowledged/contained/resolved/closed timestamps. */
  readonly update: (
    caseId: string,
    patch: CasePatch,
    actor: Actor,
  ) => Effect.Effect<CaseRecord, CaseStoreError>
  /** Adds or merges observables (unique per case on type + normalized value). */
  readonly addObservables: (
    caseId: string,
    observables: ReadonlyArray<ObservableInput>,
  ) => Effect.Effect<ReadonlyArray<ObservableRecord>, CaseStoreError>
  readonly addEnrichment: (enrichment: NewEnrichment) => Effect.Effect<void, CaseStoreError>
  readonly recordAction: (action: NewAction) => Effect.Effect<void, CaseStoreError>
  readonly requestApproval: (approval: ApprovalRecord) => Effect.Effect<void, CaseStoreError>
  /** Fails with `Conflict` when the request is already decided (final). */
  readonly decideApproval: (
    approvalId: string,
    decision: ApprovalDecisionInput,
  ) => Effect.Effect<ApprovalRecord, CaseStoreError>
  readonly getApproval: (approvalId: string) => Effect.Effect<ApprovalRecord, CaseStoreError>
  readonly listApprovals: (
    filter?: ApprovalFilter,
  ) => Effect.Effect<ReadonlyArray<ApprovalRecord>, CaseStoreError>
  readonly appendTimeline: (
    caseId: string,
    event: {
      readonly kind: TimelineKind
      readonly actor: Actor
      readonly message: string
      readonly data?: unknown
    },
  ) => Effect.Effect<TimelineEvent, CaseStoreError>
  readonly addNote: (
    caseId: string,
    author: string,
    text: string,
  ) => Effect.Effect<NoteRecord, CaseStoreError>
  readonly addArtifact: (artifact: NewArtifact) => Effect.Effect<void, CaseStoreError>
  /** Merges `sourceId` into `targetId`: the source is closed with a pointer, its records copied. */
  readonly merge: (
    sourceId: string,
    targetId: string,
    actor: Actor,
  ) => Effect.Effect<CaseRecord, CaseStoreError>
  /** MTTA / MTTC / MTTR per playbook and severity for cases created in [from, to). */
  readonly metrics: (range: {
    readonly from: number
    readonly to: number
  }) => Effect.Effect<ReadonlyArray<SlaMetrics>, CaseStoreError>
  /**
   * Runs `effect` atomically with its store writes: one database transaction on the SQL
   * adapters (a durable engine's completion of a deferred inside it joins that transaction and
   * wakes the run once it commits); as is in memory.
   *
   * @example
   * ```ts
   * yield* store.transaction(Effect.andThen(store.decideApproval(id, d), store.appendTimeline(caseId, e)))
   * ```
   */
  readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CaseStoreError, R>
  /** Deletes closed cases closed before `before`; keeps actions/approvals/timeline when `keepAudit`. */
  readonly purge: (options: {
    readonly before: number
    readonly keepAudit: boolean
  }) => Effect.Effect<number, CaseStoreError>
}

/** The case store service. */
export class CaseStore extends Context.Service<CaseStore, CaseStoreShape>()("@riposte/core/CaseStore") {}
