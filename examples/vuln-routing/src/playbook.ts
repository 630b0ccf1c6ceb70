/**
 * Vulnerability response: route a finding to the team that owns the asset, open a Jira ticket
 * with an SLA due date derived from severity, and track it until fixed.
 *
 * "Track until fixed" is a SECOND playbook, `vuln-sla-check`, not a long-lived run: the DSL has
 * no durable poll loop, and an approval gate is the wrong tool for waiting on a ticket. A
 * scheduler (`CronTrigger` from @riposte/alerts, e.g. daily) starts one check per open ticket
 * with the tick time as `checkedAt`; the check reads the ticket, closes the case when it is
 * fixed, and escalates once it is overdue. Every check is a short, journaled, idempotent run.
 */
import { Jira } from "@riposte/connector-jira"
import { playbook } from "@riposte/core"
import { Schema } from "effect"

export const Severity = Schema.Literals(["critical", "high", "medium", "low"])
export type Severity = typeof Severity.Type

/** Remediation SLA in days per severity (CISA BOD 22-01 gives 14 days for KEV entries). */
export const slaDays: Record<Severity, number> = { critical: 7, high: 30, medium: 90, low: 180 }

const isoTime = Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/))

export const Finding = Schema.Struct({
  id: Schema.String.check(Schema.isBetweenLength(1, 200)),
  scanner: Schema.String.check(Schema.isMaxLength(100)),
  title: Schema.String.check(Schema.isBetweenLength(1, 500)),
  cve: Schema.optional(Schema.String.check(Schema.isPattern(/^CVE-\d{4}-\d{4,7}$/))),
  severity: Severity,
  asset: Schema.String.check(Schema.isBetweenLength(1, 255)),
  /** When the scanner found it: the SLA clock starts here (never the wall clock). */
  detectedAt: isoTime,
})
export type Finding = typeof Finding.Type

export interface Owner {
  readonly team: string
  readonly projectKey: string
}

/** The SLA due time (ISO) of a finding. */
export const dueAt = (finding: Pick<Finding, "severity" | "detectedAt">): string =>
  new Date(Date.parse(finding.detectedAt) + slaDays[finding.severity] * 86_400_000).toISOString()

/** Builds the routing playbook over an asset-ownership map; unowned assets go to `fallback`. */
export const makeVulnRouting = (config: {
  readonly owners: Readonly<Record<string, Owner>>
  readonly fallback: Owner
}) =>
  playbook("vuln-routing", {
    version: "1.0.0",
    description: "Route a vulnerability finding to the owning team with a Jira ticket and an SLA.",
    owner: "vuln-management",
    attack: ["T1190", "T1210"],
  })
    .trigger(Finding, {
      idempotencyKey: (f) => `${f.scanner}:${f.id}`,
      caseTitle: (f) => `${f.severity.toUpperCase()} ${f.cve ?? ""} on ${f.asset}: ${f.title}`.slice(0, 200),
    })
    .step("route", (ctx) => {
      const asset = ctx.trigger.asset.toLowerCase()
      const owner = Object.hasOwn(config.owners, asset) ? config.owners[asset]! : null
      return { owner: owner ?? config.fallback, owned: owner !== null, dueAt: dueAt(ctx.trigger) }
    })
    .act("ticket", (ctx) =>
      Jira.createIssue({
        projectKey: ctx.route.owner.projectKey,
        issueType: "Bug",
        summary:
          `[${ctx.trigger.severity}] ${ctx.trigger.cve ?? ctx.trigger.title} on ${ctx.trigger.asset}`.slice(
            0,
            255,
          ),
        description: [
          ctx.trigger.title,
          `Asset: ${ctx.trigger.asset}`,
          `Detected: ${ctx.trigger.detectedAt} by ${ctx.trigger.scanner}`,
          `Fix by: ${ctx.route.dueAt} (SLA ${slaDays[ctx.trigger.severity]} days)`,
          ...(ctx.route.owned ? [] : ["No owner in the asset inventory: please reassign."]),
        ].join("\n"),
        labels: ["vulnerability", `severity-${ctx.trigger.severity}`, `sla-${ctx.route.dueAt.slice(0, 10)}`],
        priority:
          ctx.trigger.severity === "critical"
            ? "Highest"
            : ctx.trigger.severity === "high"
              ? "High"
              : "Medium",
      }),
    )
    .case((ctx) => ({
      severity: ctx.trigger.severity,
      status: "triaged",
      assignee: ctx.route.owner.team,
      tags: [
        "vulnerability",
        ...(ctx.trigger.cve ? [ctx.trigger.cve] : []),
        ...(ctx.route.owned ? [] : ["unowned-asset"]),
      ],
      observables: [{ type: "host", raw: ctx.trigger.asset, source: ctx.trigger.scanner }],
      note: `Ticket ${ctx.ticket.key} for ${ctx.route.owner.team}; SLA due ${ctx.route.dueAt}. Tracked by vuln-sla-check.`,
    }))

/** Jira status names that mean "fixed". */
export const doneStatuses: ReadonlyArray<string> = ["Done", "Resolved", "Closed"]

export const SlaCheck = Schema.Struct({
  ticket: Schema.String.check(Schema.isPattern(/^[A-Z][A-Z0-9_]{1,9}-\d{1,9}$/)),
  dueAt: isoTime,
  /** The scheduler's tick time: the check's "now". */
  checkedAt: isoTime,
})

/** One scheduled check of a vulnerability ticket against its SLA. */
export const vulnSlaCheck = playbook("vuln-sla-check", {
  version: "1.0.0",
  description: "Scheduled: close the case when the ticket is fixed, escalate when overdue.",
  owner: "vuln-management",
  attack: ["T1190", "T1210"],
})
  .trigger(SlaCheck, {
    // One run per ticket per tick: a restarted scheduler re-firing a tick joins the same run.
    idempotencyKey: (c) => `${c.ticket}@${c.checkedAt}`,
    caseTitle: (c) => `SLA check of ${c.ticket}`,
  })
  .enrich("jira", (ctx) => ({ issue: Jira.getIssue({ issue: ctx.trigger.ticket }) }))
  .step("state", (ctx) => {
    const status = ctx.jira.issue.fields.status?.name ?? "unknown"
    const msLeft = Date.parse(ctx.trigger.dueAt) - Date.parse(ctx.trigger.checkedAt)
    return {
      status,
      fixed: doneStatuses.includes(status),
      overdue: msLeft < 0,
      daysLeft: Math.floor(msLeft / 86_400_000),
      daysOverdue: Math.floor(-msLeft / 86_400_000),
    }
  })
  .decide("sla", (ctx) => (ctx.state.fixed ? "fixed" : ctx.state.overdue ? "overdue" : "open"))
  .branch("sla", {
    fixed: (p) =>
      p.close((ctx) => ({
        resolution: `${ctx.trigger.ticket} ${ctx.state.status} ${ctx.state.overdue ? "after" : "within"} its SLA (due ${ctx.trigger.dueAt})`,
        status: "resolved",
      })),
    overdue: (p) =>
      p
        .act("escalate", (ctx) =>
          Jira.addComment({
            issue: ctx.trigger.ticket,
            body: `SLA breached: due ${ctx.trigger.dueAt}, still ${ctx.state.status} at ${ctx.trigger.checkedAt}. Escalated to the security manager.`,
          }),
        )
        .case((ctx) => ({
          severity: "critical",
          status: "triaged",
          assignee: "security-manager",
          tags: ["sla-breached"],
          note: `${ctx.trigger.ticket} overdue by ${ctx.state.daysOverdue} day(s) (status ${ctx.state.status})`,
        })),
    open: (p) =>
      p.close((ctx) => ({
        resolution: `${ctx.trigger.ticket} ${ctx.state.status}, ${ctx.state.daysLeft} day(s) left; next scheduled check continues tracking`,
        status: "closed",
      })),
  })
