/**
 * The incident record ("case") model: schemas shared by every case-store adapter.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ObservableType, Verdict } from "./Observable.ts"

export const CaseStatus = Schema.Literals(["new", "triaged", "contained", "resolved", "closed"])
export type CaseStatus = typeof CaseStatus.Type

export const Severity = Schema.Literals(["informational", "low", "medium", "high", "critical"])
export type Severity = typeof Severity.Type

/** Who did something: the playbook itself, a user, or the system (engine, guardrails). */
export const Actor = Schema.Struct({
  kind: Schema.Literals(["playbook", "user", "system"]),
  id: Schema.String,
})
export type Actor = typeof Actor.Type

export const CaseRecord = Schema.Struct({
  id: Schema.String,
  tenant: Schema.String,
  title: Schema.String,
  status: CaseStatus,
  severity: Severity,
  assignee: Schema.NullOr(Schema.String),
  tags: Schema.Array(Schema.String),
  playbook: Schema.String,
  playbookVersion: Schema.String,
  runId: Schema.NullOr(Schema.String),
  dedupKey: Schema.NullOr(Schema.String),
  resolution: Schema.NullOr(Schema.String),
  mergedInto: Schema.NullOr(Schema.String),
  createdAt: Schema.Number,
  acknowledgedAt: Schema.NullOr(Schema.Number),
  containedAt: Schema.NullOr(Schema.Number),
  resolvedAt: Schema.NullOr(Schema.Number),
  closedAt: Schema.NullOr(Schema.Number),
  updatedAt: Schema.Number,
})
export type CaseRecord = typeof CaseRecord.Type

export const NewCase = Schema.Struct({
  title: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(500)),
  severity: Severity,
  tenant: Schema.optional(Schema.String),
  assignee: Schema.optional(Schema.NullOr(Schema.String)),
  tags: Schema.optional(Schema.Array(Schema.String)),
  playbook: Schema.String,
  playbookVersion: Schema.String,
  runId: Schema.optional(Schema.NullOr(Schema.String)),
  dedupKey: Schema.optional(Schema.NullOr(Schema.String)),
  /** The alert that opened the case (stored as an artifact-like JSON document). */
  alert: Schema.optional(Schema.Unknown),
})
export type NewCase = typeof NewCase.Type

/** A partial update. Status transitions stamp the SLA timestamps. */
export const CasePatch = Schema.Struct({
  title: Schema.optional(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(500))),
  status: Schema.optional(CaseStatus),
  severity: Schema.optional(Severity),
  assignee: Schema.optional(Schema.NullOr(Schema.String)),
  tags: Schema.optional(Schema.Array(Schema.String)),
  resolution: Schema.optional(Schema.String),
})
export type CasePatch = typeof CasePatch.Type

export const ObservableRecord = Schema.Struct({
  caseId: Schema.String,
  type: ObservableType,
  value: Schema.String,
  raw: Schema.String,
  verdict: Verdict,
  sources: Schema.Array(Schema.String),
  firstSeen: Schema.Number,
  lastSeen: Schema.Number,
})
export type ObservableRecord = typeof ObservableRecord.Type

export const ObservableInput = Schema.Struct({
  type: ObservableType,
  raw: Schema.String,
  verdict: Schema.optional(Verdict),
  source: Schema.optional(Schema.String),
})
export type ObservableInput = typeof ObservableInput.Type

export const EnrichmentRecord = Schema.Struct({
  caseId: Schema.String,
  observable: Schema.NullOr(Schema.String),
  connector: Schema.String,
  action: Schema.String,
  resultRef: Schema.NullOr(Schema.String),
  verdict: Verdict,
  score: Schema.NullOr(Schema.Number),
  summary: Schema.NullOr(Schema.String),
  at: Schema.Number,
})
export type EnrichmentRecord = typeof EnrichmentRecord.Type

export const ActionStatus = Schema.Literals(["succeeded", "failed", "planned", "blocked", "undone"])
export type ActionStatus = typeof ActionStatus.Type

/** The audit trail: one row per action attempt outcome. */
export const ActionRecord = Schema.Struct({
  caseId: Schema.String,
  stepPath: Schema.String,
  connector: Schema.String,
  action: Schema.String,
  kind: Schema.Literals(["read", "write", "destructive"]),
  inputHash: Schema.String,
  /** The input with secret-looking fields removed. */
  input: Schema.Unknown,
  outputSummary: Schema.NullOr(Schema.String),
  status: ActionStatus,
  idempotencyKey: Schema.String,
  approvalRef: Schema.NullOr(Schema.String),
  actor: Actor,
  at: Schema.Number,
  /**
   * How to reverse this action, when its connector declares an `undo`: the call to make.
   * Written for succeeded destructive actions; read by rollback.
   */
  undo: Schema.optional(
    Schema.NullOr(Schema.Struct({ connector: Schema.String, action: Schema.String, input: Schema.Unknown })),
  ),
})
export type ActionRecord = typeof ActionRecord.Type

export const ApprovalDecision = Schema.Literals(["pending", "approved", "denied", "timeout", "escalated"])
export type ApprovalDecision = typeof ApprovalDecision.Type

export const ApprovalRecord = Schema.Struct({
  id: Schema.String,
  caseId: Schema.String,
  runId: Schema.String,
  gate: Schema.String,
  summary: Schema.String,
  payloadHash: Schema.String,
  decision: ApprovalDecision,
  approvers: Schema.Array(Schema.String),
  roles: Schema.Array(Schema.String),
  quorum: Schema.Number,
  requester: Schema.String,
  comment: Schema.NullOr(Schema.String),
  requestedAt: Schema.Number,
  decidedAt: Schema.NullOr(Schema.Number),
  expiresAt: Schema.Number,
})
export type ApprovalRecord = typeof ApprovalRecord.Type

export const TimelineKind = Schema.Literals([
  "case.opened",
  "case.updated",
  "case.status",
  "case.merged",
  "alert.attached",
  "step.started",
  "step.completed",
  "step.failed",
  "enrichment",
  "action",
  "approval.requested",
  "approval.decided",
  "guardrail",
  "note",
  "artifact",
])
export type TimelineKind = typeof TimelineKind.Type

export const TimelineEvent = Schema.Struct({
  caseId: Schema.String,
  seq: Schema.Number,
  at: Schema.Number,
  kind: TimelineKind,
  actor: Actor,
  message: Schema.String,
  data: Schema.NullOr(Schema.Unknown),
})
export type TimelineEvent = typeof TimelineEvent.Type

export const NoteRecord = Schema.Struct({
  caseId: Schema.String,
  at: Schema.Number,
  author: Schema.String,
  text: Schema.String.check(Schema.isMaxLength(100_000)),
})
export type NoteRecord = typeof NoteRecord.Type

export const ArtifactRecord = Schema.Struct({
  caseId: Schema.String,
  name: Schema.String,
  contentType: Schema.String,
  size: Schema.Number,
  sha256: Schema.String,
  /** Where the bytes live (never inline in the journal). */
  storageRef: Schema.String,
  at: Schema.Number,
})
export type ArtifactRecord = typeof ArtifactRecord.Type

/** A full case: the record and everything attached to it. */
export const CaseView = Schema.Struct({
  case: CaseRecord,
  alerts: Schema.Array(Schema.Unknown),
  observables: Schema.Array(ObservableRecord),
  enrichments: Schema.Array(EnrichmentRecord),
  actions: Schema.Array(ActionRecord),
  approvals: Schema.Array(ApprovalRecord),
  timeline: Schema.Array(TimelineEvent),
  notes: Schema.Array(NoteRecord),
  artifacts: Schema.Array(ArtifactRecord),
})
export type CaseView = typeof CaseView.Type

export const CaseFilter = Schema.Struct({
  status: Schema.optional(Schema.Array(CaseStatus)),
  severity: Schema.optional(Schema.Array(Severity)),
  playbook: Schema.optional(Schema.String),
  tenant: Schema.optional(Schema.String),
  observableValue: Schema.optional(Schema.String),
  from: Schema.optional(Schema.Number),
  to: Schema.optional(Schema.Number),
  limit: Schema.optional(Schema.Number),
})
export type CaseFilter = typeof CaseFilter.Type
