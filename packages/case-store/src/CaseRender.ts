/**
 * A readable plain-text rendering of a case: header, observables, enrichments, actions,
 * approvals, notes, artifacts, then the timeline. Attacker-supplied strings (titles, alert
 * fields, observable values, messages) have their control characters removed so a rendered case
 * cannot rewrite a terminal or forge extra lines.
 *
 * @since 0.1.0
 */
import type { CaseModel } from "@riposte/core"

// C0 and C1 control characters, DEL, and Unicode line/paragraph separators and bidi overrides.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** Removes control characters (including newlines and bidi overrides) from untrusted text. */
export const clean = (text: string): string => text.replace(CONTROL, "")

const time = (millis: number | null): string => (millis === null ? "-" : new Date(millis).toISOString())
const clock = (millis: number): string => new Date(millis).toISOString().slice(11, 19)
const duration = (from: number, to: number | null): string => {
  if (to === null) return ""
  const s = Math.round((to - from) / 1000)
  return ` (+${s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`})`
}

/**
 * Renders a case view as text.
 *
 * @example
 * ```ts
 * const view = yield* store.view(caseId)
 * console.log(CaseRender.text(view))
 * ```
 */
export const text = (view: CaseModel.CaseView): string => {
  const c = view.case
  const out: Array<string> = []
  const section = (title: string, lines: ReadonlyArray<string>) => {
    if (lines.length === 0) return
    out.push("", `${title}:`, ...lines.map((l) => `  ${l}`))
  }
  out.push(
    `Case ${clean(c.id)}: ${clean(c.title)}`,
    `Status: ${c.status}  Severity: ${c.severity}  Tenant: ${clean(c.tenant)}  Assignee: ${clean(c.assignee ?? "-")}`,
    `Playbook: ${clean(c.playbook)}@${clean(c.playbookVersion)}${c.runId === null ? "" : `  Run: ${clean(c.runId)}`}`,
    `Created:      ${time(c.createdAt)}`,
    `Acknowledged: ${time(c.acknowledgedAt)}${duration(c.createdAt, c.acknowledgedAt)}`,
    `Contained:    ${time(c.containedAt)}${duration(c.createdAt, c.containedAt)}`,
    `Resolved:     ${time(c.resolvedAt)}${duration(c.createdAt, c.resolvedAt)}`,
    `Closed:       ${time(c.closedAt)}${duration(c.createdAt, c.closedAt)}`,
  )
  if (c.tags.length > 0) out.push(`Tags: ${c.tags.map(clean).join(", ")}`)
  if (c.resolution !== null) out.push(`Resolution: ${clean(c.resolution)}`)
  if (c.mergedInto !== null) out.push(`Merged into: ${clean(c.mergedInto)}`)
  if (view.alerts.length > 0) out.push(`Alerts: ${view.alerts.length}`)
  section(
    "Observables",
    view.observables.map(
      (o) =>
        `${o.verdict.padEnd(10)} ${o.type} ${clean(o.value)}${o.raw === o.value ? "" : ` (raw: ${clean(o.raw)})`}${
          o.sources.length > 0 ? ` [${o.sources.map(clean).join(", ")}]` : ""
        }`,
    ),
  )
  section(
    "Enrichments",
    view.enrichments.map(
      (e) =>
        `${clock(e.at)}  ${clean(e.connector)}.${clean(e.action)}${e.observable === null ? "" : ` ${clean(e.observable)}`}: ${e.verdict}${
          e.score === null ? "" : ` score=${e.score}`
        }${e.summary === null ? "" : ` — ${clean(e.summary)}`}`,
    ),
  )
  const approvers = new Map(view.approvals.map((a) => [a.id, a.approvers]))
  section(
    "Actions",
    view.actions.map((a) => {
      const by =
        a.approvalRef === null
          ? ""
          : ` approved by ${(approvers.get(a.approvalRef) ?? [a.approvalRef]).map(clean).join(", ")}`
      return `${clock(a.at)}  ${a.status.padEnd(9)} ${a.kind} ${clean(a.connector)}.${clean(a.action)} (${clean(a.actor.id)})${by}${
        a.outputSummary === null ? "" : ` — ${clean(a.outputSummary)}`
      }`
    }),
  )
  section(
    "Approvals",
    view.approvals.map(
      (a) =>
        `${clock(a.requestedAt)}  ${clean(a.gate)}: ${a.decision}${a.approvers.length > 0 ? ` by ${a.approvers.map(clean).join(", ")}` : ""} — ${clean(a.summary)}${
          a.comment === null ? "" : ` ("${clean(a.comment)}")`
        }`,
    ),
  )
  section(
    "Notes",
    view.notes.map((n) => `${clock(n.at)}  ${clean(n.author)}: ${clean(n.text)}`),
  )
  section(
    "Artifacts",
    view.artifacts.map(
      (a) =>
        `${clean(a.name)} (${clean(a.contentType)}, ${a.size} bytes, sha256 ${clean(a.sha256)}) at ${clean(a.storageRef)}`,
    ),
  )
  section(
    "Timeline",
    view.timeline.map(
      (e) => `${clock(e.at)}  ${clean(`${e.actor.kind}:${e.actor.id}`)}  ${e.kind}  ${clean(e.message)}`,
    ),
  )
  return out.join("\n")
}
