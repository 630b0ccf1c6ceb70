/**
 * Reviewable plans of dry runs: what a run would have done, grouped by connector, action and
 * budget category, read from the case's `planned` (and `blocked`) action records.
 *
 * @example
 * ```ts
 * const plan = Plan.fromCase(yield* store.view(caseId), { connectors: [Mail, Dns] })
 * Plan.text(plan, { phrases: { "mail.purge": (g) => `purge ${g.calls} copies from ${g.targets.length} mailboxes` } })
 * // "would purge 312 copies from 57 mailboxes, block 3 domains"
 * ```
 * @since 0.1.0
 */
import type { CaseModel, Connector } from "@riposte/core"

/** The planned calls of one connector action. */
export interface Group {
  readonly connector: string
  readonly action: string
  readonly kind: "read" | "write" | "destructive"
  readonly category: Connector.BudgetCategory | null
  /** Number of calls. */
  readonly calls: number
  /** Distinct targets, in first-seen order. */
  readonly targets: ReadonlyArray<string>
  /** The step paths the calls come from. */
  readonly steps: ReadonlyArray<string>
}

/** A call the guardrails blocked, with the reason. */
export interface Blocked {
  readonly connector: string
  readonly action: string
  readonly stepPath: string
  readonly reason: string
}

/** What is read from a connector definition: its name and action schemas. */
export interface Definitions {
  readonly connector: string
  readonly actions: Readonly<Record<string, Connector.AnyActionDef>>
}

/** A reviewable plan (JSON-serialisable). */
export interface Plan {
  readonly caseId: string
  readonly playbook: string
  readonly runId: string | null
  readonly groups: ReadonlyArray<Group>
  readonly blocked: ReadonlyArray<Blocked>
}

const PLANNED_PREFIX = "planned (dry run): "

/** Targets from the connector definition when known, else from the recorded summary. */
const targetsOf = (
  record: CaseModel.ActionRecord,
  def: Connector.AnyActionDef | undefined,
): ReadonlyArray<string> => {
  if (def?.targets !== undefined) {
    try {
      return def.targets(record.input as never)
    } catch {
      // The recorded input is redacted; fall back to the summary written at planning time.
    }
  }
  const summary = record.outputSummary ?? ""
  if (!summary.startsWith(PLANNED_PREFIX)) return []
  return summary
    .slice(PLANNED_PREFIX.length)
    .split(", ")
    .filter((t) => t.length > 0)
}

/**
 * Builds the plan of a case. Pass the connector definitions to read targets and budget
 * categories from them.
 *
 * @example
 * ```ts
 * const plan = Plan.fromCase(view, { connectors: [Edr] })
 * ```
 */
export const fromCase = (
  view: CaseModel.CaseView,
  options: { readonly connectors?: ReadonlyArray<Definitions> } = {},
): Plan => {
  const defs = new Map<string, Connector.AnyActionDef>()
  for (const c of options.connectors ?? [])
    for (const [name, def] of Object.entries(c.actions)) defs.set(`${c.connector}.${name}`, def)
  const groups = new Map<
    string,
    {
      connector: string
      action: string
      kind: Group["kind"]
      category: Group["category"]
      calls: number
      targets: Set<string>
      steps: Set<string>
    }
  >()
  const blocked: Array<Blocked> = []
  for (const a of view.actions) {
    const id = `${a.connector}.${a.action}`
    if (a.status === "blocked") {
      blocked.push({
        connector: a.connector,
        action: a.action,
        stepPath: a.stepPath,
        reason: a.outputSummary ?? "",
      })
      continue
    }
    if (a.status !== "planned") continue
    const def = defs.get(id)
    let g = groups.get(id)
    if (g === undefined) {
      g = {
        connector: a.connector,
        action: a.action,
        kind: a.kind,
        category: def?.budget ?? null,
        calls: 0,
        targets: new Set(),
        steps: new Set(),
      }
      groups.set(id, g)
    }
    g.calls += 1
    for (const t of targetsOf(a, def)) g.targets.add(t)
    g.steps.add(a.stepPath.replace(/\[\d+\]$/, ""))
  }
  return {
    caseId: view.case.id,
    playbook: view.case.playbook,
    runId: view.case.runId,
    groups: [...groups.values()].map((g) => ({ ...g, targets: [...g.targets], steps: [...g.steps] })),
    blocked,
  }
}

/** How one group reads in the plan text, keyed `connector.action`. */
export type Phrases = Readonly<Record<string, (group: Group) => string>>

const plural = (n: number, noun: string) =>
  n === 1 ? `${n} ${noun}` : `${n} ${noun}${/(s|x|z|ch|sh)$/.test(noun) ? "es" : "s"}`

const defaultPhrase = (g: Group): string =>
  `${g.action} ${plural(g.targets.length > 0 ? g.targets.length : g.calls, g.category ?? "target")}` +
  (g.targets.length > 0 && g.calls !== g.targets.length ? ` (${plural(g.calls, "call")})` : "")

/**
 * One line a reviewer can read: "would purge 312 copies from 57 mailboxes, block 3 domains".
 * Groups without a phrase read as "<action> <n> <category>s (<calls> calls)".
 *
 * @example
 * ```ts
 * Plan.text(plan, { phrases: { "dns.blockDomain": (g) => `block ${g.targets.length} domains` } })
 * ```
 */
export const text = (plan: Plan, options: { readonly phrases?: Phrases } = {}): string => {
  const parts = plan.groups.map((g) => (options.phrases?.[`${g.connector}.${g.action}`] ?? defaultPhrase)(g))
  const head = parts.length === 0 ? "would do nothing" : `would ${parts.join(", ")}`
  return plan.blocked.length === 0
    ? head
    : `${head}; ${plural(plan.blocked.length, "call")} blocked by guardrails`
}
