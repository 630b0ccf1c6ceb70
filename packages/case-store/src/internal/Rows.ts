/**
 * Row ↔ model mapping. Postgres returns `bigint` columns as strings: every numeric column goes
 * through `num` on the way out.
 */
import type { CaseModel } from "@riposte/core"
import type { Selectable } from "kysely"
import type * as Database from "../Database.ts"

export const num = (v: Database.Millis): number => (typeof v === "number" ? v : Number(v))
export const numOrNull = (v: Database.Millis | null): number | null => (v === null ? null : num(v))
const json = <A>(text: string | null): A => (text === null ? null : JSON.parse(text)) as A

export const toCase = (r: Selectable<Database.CasesTable>): CaseModel.CaseRecord => ({
  id: r.id,
  tenant: r.tenant,
  title: r.title,
  status: r.status as CaseModel.CaseStatus,
  severity: r.severity as CaseModel.Severity,
  assignee: r.assignee,
  tags: json<Array<string>>(r.tags),
  playbook: r.playbook,
  playbookVersion: r.playbook_version,
  runId: r.run_id,
  dedupKey: r.dedup_key,
  resolution: r.resolution,
  mergedInto: r.merged_into,
  createdAt: num(r.created_at),
  acknowledgedAt: numOrNull(r.acknowledged_at),
  containedAt: numOrNull(r.contained_at),
  resolvedAt: numOrNull(r.resolved_at),
  closedAt: numOrNull(r.closed_at),
  updatedAt: num(r.updated_at),
})

export const fromCase = (c: CaseModel.CaseRecord): Omit<Database.CasesTable, "timeline_seq"> => ({
  id: c.id,
  tenant: c.tenant,
  title: c.title,
  status: c.status,
  severity: c.severity,
  assignee: c.assignee,
  tags: JSON.stringify(c.tags),
  playbook: c.playbook,
  playbook_version: c.playbookVersion,
  run_id: c.runId,
  dedup_key: c.dedupKey,
  resolution: c.resolution,
  merged_into: c.mergedInto,
  created_at: c.createdAt,
  acknowledged_at: c.acknowledgedAt,
  contained_at: c.containedAt,
  resolved_at: c.resolvedAt,
  closed_at: c.closedAt,
  updated_at: c.updatedAt,
})

export const toObservable = (r: Selectable<Database.ObservablesTable>): CaseModel.ObservableRecord => ({
  caseId: r.case_id,
  type: r.type as CaseModel.ObservableRecord["type"],
  value: r.value,
  raw: r.raw,
  verdict: r.verdict as CaseModel.ObservableRecord["verdict"],
  sources: json<Array<string>>(r.sources),
  firstSeen: num(r.first_seen),
  lastSeen: num(r.last_seen),
})

export const fromObservable = (o: CaseModel.ObservableRecord): Database.ObservablesTable => ({
  case_id: o.caseId,
  type: o.type,
  value: o.value,
  raw: o.raw,
  verdict: o.verdict,
  sources: JSON.stringify(o.sources),
  first_seen: o.firstSeen,
  last_seen: o.lastSeen,
})

export const toEnrichment = (r: Selectable<Database.EnrichmentsTable>): CaseModel.EnrichmentRecord => ({
  caseId: r.case_id,
  observable: r.observable,
  connector: r.connector,
  action: r.action,
  resultRef: r.result_ref,
  verdict: r.verdict as CaseModel.EnrichmentRecord["verdict"],
  score: r.score === null ? null : Number(r.score),
  summary: r.summary,
  at: num(r.at),
})

export const fromEnrichment = (e: CaseModel.EnrichmentRecord): Database.EnrichmentsTable => ({
  case_id: e.caseId,
  observable: e.observable,
  connector: e.connector,
  action: e.action,
  result_ref: e.resultRef,
  verdict: e.verdict,
  score: e.score,
  summary: e.summary,
  at: e.at,
})

export const toAction = (r: Selectable<Database.ActionsTable>): CaseModel.ActionRecord => ({
  caseId: r.case_id,
  stepPath: r.step_path,
  connector: r.connector,
  action: r.action,
  kind: r.kind as CaseModel.ActionRecord["kind"],
  inputHash: r.input_hash,
  input: json<unknown>(r.input),
  outputSummary: r.output_summary,
  status: r.status as CaseModel.ActionStatus,
  idempotencyKey: r.idempotency_key,
  approvalRef: r.approval_ref,
  actor: { kind: r.actor_kind as CaseModel.Actor["kind"], id: r.actor_id },
  at: num(r.at),
  // Rows without a reverse call read back without the optional field, as they were recorded.
  ...(r.undo === undefined || r.undo === null ? {} : { undo: json<CaseModel.ActionRecord["undo"]>(r.undo) }),
})

export const toApproval = (r: Selectable<Database.ApprovalsTable>): CaseModel.ApprovalRecord => ({
  id: r.id,
  caseId: r.case_id,
  runId: r.run_id,
  gate: r.gate,
  summary: r.summary,
  payloadHash: r.payload_hash,
  decision: r.decision as CaseModel.ApprovalDecision,
  approvers: json<Array<string>>(r.approvers),
  roles: json<Array<string>>(r.roles),
  quorum: Number(r.quorum),
  requester: r.requester,
  comment: r.comment,
  requestedAt: num(r.requested_at),
  decidedAt: numOrNull(r.decided_at),
  expiresAt: num(r.expires_at),
})

export const fromApproval = (a: CaseModel.ApprovalRecord): Database.ApprovalsTable => ({
  id: a.id,
  case_id: a.caseId,
  run_id: a.runId,
  gate: a.gate,
  summary: a.summary,
  payload_hash: a.payloadHash,
  decision: a.decision,
  approvers: JSON.stringify(a.approvers),
  roles: JSON.stringify(a.roles),
  quorum: a.quorum,
  requester: a.requester,
  comment: a.comment,
  requested_at: a.requestedAt,
  decided_at: a.decidedAt,
  expires_at: a.expiresAt,
})

export const toTimeline = (r: Selectable<Database.TimelineTable>): CaseModel.TimelineEvent => ({
  caseId: r.case_id,
  seq: num(r.seq),
  at: num(r.at),
  kind: r.kind as CaseModel.TimelineKind,
  actor: { kind: r.actor_kind as CaseModel.Actor["kind"], id: r.actor_id },
  message: r.message,
  data: json<unknown>(r.data),
})

export const toNote = (r: Selectable<Database.NotesTable>): CaseModel.NoteRecord => ({
  caseId: r.case_id,
  at: num(r.at),
  author: r.author,
  text: r.text,
})

export const toArtifact = (r: Selectable<Database.ArtifactsTable>): CaseModel.ArtifactRecord => ({
  caseId: r.case_id,
  name: r.name,
  contentType: r.content_type,
  size: num(r.size),
  sha256: r.sha256,
  storageRef: r.storage_ref,
  at: num(r.at),
})

export const fromArtifact = (a: CaseModel.ArtifactRecord): Database.ArtifactsTable => ({
  case_id: a.caseId,
  name: a.name,
  content_type: a.contentType,
  size: a.size,
  sha256: a.sha256,
  storage_ref: a.storageRef,
  at: a.at,
})
