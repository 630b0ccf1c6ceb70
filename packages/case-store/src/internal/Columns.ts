/**
 * The column lists of the case-store tables, for statements that bind whole rows
 * (`Exec.prepare`). Each list is checked complete against the table type: a column added to a
 * table and not listed here is a type error, not a value silently left out of an insert.
 */
import type * as Database from "../Database.ts"

/** A table's column list, checked complete at compile time (a column left out is a type error). */
const columns =
  <T>() =>
  <const K extends ReadonlyArray<keyof T & string>>(
    keys: K &
      ([Exclude<keyof T & string, K[number]>] extends [never]
        ? unknown
        : { missing: Exclude<keyof T & string, K[number]> }),
  ): K =>
    keys

export type NoId<T> = Omit<T, "id">

export const cases = columns<Database.CasesTable>()([
  "id",
  "tenant",
  "title",
  "status",
  "severity",
  "assignee",
  "tags",
  "playbook",
  "playbook_version",
  "run_id",
  "dedup_key",
  "resolution",
  "merged_into",
  "created_at",
  "acknowledged_at",
  "contained_at",
  "resolved_at",
  "closed_at",
  "updated_at",
  "timeline_seq",
])
export const timeline = columns<Database.TimelineTable>()([
  "case_id",
  "seq",
  "at",
  "kind",
  "actor_kind",
  "actor_id",
  "message",
  "data",
])
export const observables = columns<Database.ObservablesTable>()([
  "case_id",
  "type",
  "value",
  "raw",
  "verdict",
  "sources",
  "first_seen",
  "last_seen",
])
export const enrichments = columns<NoId<Database.EnrichmentsTable>>()([
  "case_id",
  "observable",
  "connector",
  "action",
  "result_ref",
  "verdict",
  "score",
  "summary",
  "at",
])
export const actions = columns<Required<NoId<Database.ActionsTable>>>()([
  "case_id",
  "step_path",
  "connector",
  "action",
  "kind",
  "input_hash",
  "input",
  "output_summary",
  "status",
  "idempotency_key",
  "approval_ref",
  "actor_kind",
  "actor_id",
  "at",
  "undo",
])
export const approvals = columns<Database.ApprovalsTable>()([
  "id",
  "case_id",
  "run_id",
  "gate",
  "summary",
  "payload_hash",
  "decision",
  "approvers",
  "roles",
  "quorum",
  "requester",
  "comment",
  "requested_at",
  "decided_at",
  "expires_at",
])
export const notes = columns<NoId<Database.NotesTable>>()(["case_id", "at", "author", "text"])
export const artifacts = columns<NoId<Database.ArtifactsTable>>()([
  "case_id",
  "name",
  "content_type",
  "size",
  "sha256",
  "storage_ref",
  "at",
])
export const alerts = columns<NoId<Database.AlertsTable>>()(["case_id", "dedup_key", "body", "received_at"])
