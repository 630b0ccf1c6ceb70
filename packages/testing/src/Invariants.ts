/**
 * The invariants `Test.check` verifies on every generated run. Each returns the violations it
 * found (empty when it holds).
 *
 * @example
 * ```ts
 * Invariants.approvedDestructive(result, context) // ["destructive mail.purge ran at step … without …"]
 * ```
 * @since 0.1.0
 */
import type { Connector } from "@riposte/core"
import type { TestResult } from "./internal/Driver.ts"

/** A connector definition, whatever its actions (`Connector.make(...)` values). */
export interface Definition {
  readonly connector: string
  readonly actions: Readonly<Record<string, Connector.AnyActionDef>>
  readonly service: Connector.AnyDefinition["service"]
}

/** What the built-in invariants know besides the result. */
export interface Context {
  /** Connector definitions of the run (generated and mocked). */
  readonly definitions: ReadonlyArray<Definition>
  /** Per-run limits on distinct targets per budget category (e.g. `{ mailbox: 50 }`). */
  readonly budgets?: Partial<Record<Connector.BudgetCategory, number>> | undefined
}

/** A custom invariant: `true` holds; `false` or a message is a violation. */
export type Invariant = (result: TestResult) => boolean | string

export type Builtin = "approvedDestructive" | "budgets" | "settled" | "noFailure"

const actionDef = (ctx: Context, connector: string, action: string): Connector.AnyActionDef | undefined =>
  ctx.definitions.find((d) => d.connector === connector)?.actions[action]

/**
 * (a) No destructive action ran without an approval or a named policy on its path: every
 * succeeded call of a destructive action (as its connector defines it, whatever kind the call
 * claimed) has an action record in the case with a non-null `approvalRef`.
 */
export const approvedDestructive = (result: TestResult, ctx: Context): ReadonlyArray<string> => {
  const violations: Array<string> = []
  for (const call of result.calls) {
    const kind = actionDef(ctx, call.connector, call.action)?.kind ?? call.kind
    if (kind !== "destructive" || call.outcome._tag !== "Success") continue
    const recorded = result.case?.actions.find((a) => a.idempotencyKey === call.idempotencyKey)
    if (recorded === undefined) {
      violations.push(
        `destructive ${call.connector}.${call.action} ran at step '${call.step}' with no action record in the case`,
      )
    } else if (recorded.approvalRef === null) {
      violations.push(
        `destructive ${call.connector}.${call.action} ran at step '${call.step}' without an approval or a named policy on its path (recorded as '${recorded.kind}')`,
      )
    }
  }
  return violations
}

/**
 * (b) Budgets respected: a call the guardrails blocked or planned never reached its connector,
 * and (when `budgets` are given) no run touched more distinct targets of a budget category than
 * allowed, unless a guardrail approval gate was granted.
 */
export const budgets = (result: TestResult, ctx: Context): ReadonlyArray<string> => {
  const violations: Array<string> = []
  const executed = new Set(
    result.calls.filter((c) => c.outcome._tag !== "Pending").map((c) => c.idempotencyKey),
  )
  for (const action of result.case?.actions ?? []) {
    if ((action.status === "blocked" || action.status === "planned") && executed.has(action.idempotencyKey))
      violations.push(
        `${action.connector}.${action.action} at step '${action.stepPath}' was ${action.status} by the guardrails but reached the connector`,
      )
  }
  if (ctx.budgets === undefined) return violations
  const granted = (result.case?.approvals ?? []).some(
    (a) => a.gate.endsWith("/guardrail") && a.decision === "approved",
  )
  const touched = new Map<string, Set<string>>()
  for (const call of result.calls) {
    if (call.outcome._tag !== "Success") continue
    const def = actionDef(ctx, call.connector, call.action)
    if (def?.budget === undefined) continue
    let targets: ReadonlyArray<string> = []
    try {
      targets = def.targets?.(call.input as never) ?? []
    } catch {
      targets = []
    }
    const set = touched.get(def.budget) ?? new Set<string>()
    for (const t of targets) set.add(t)
    touched.set(def.budget, set)
  }
  for (const [category, set] of touched) {
    const limit = ctx.budgets[category as Connector.BudgetCategory]
    if (limit !== undefined && set.size > limit && !granted)
      violations.push(`budget '${category}' exceeded: ${set.size} targets touched, limit ${limit}`)
  }
  return violations
}

/**
 * (c) Every run ends with its case in a terminal or waiting state: the run completed, closed,
 * was denied or timed out, or is parked at a gate; and a completed run did not leave its case
 * untouched (`new` and unassigned: nobody owns it).
 */
export const settled = (result: TestResult): ReadonlyArray<string> => {
  switch (result.status) {
    case "failed":
      return [] // reported by noFailure
    case "waiting":
      return result.pending.length > 0
        ? []
        : ["the run is neither finished nor waiting at a gate (sleeping past the horizon)"]
    case "completed": {
      const c = result.case?.case
      if (c === undefined) return ["the run completed without a case"]
      return c.status === "new" && c.assignee === null
        ? [
            `the run completed on path [${result.path.join(" → ")}] but left its case open: 'new' and unassigned`,
          ]
        : []
    }
    default:
      return []
  }
}

/** (d) No unhandled failure: the run did not fail with an error or die with a defect. */
export const noFailure = (result: TestResult): ReadonlyArray<string> => {
  if (result.status !== "failed") return []
  const error = result.error
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return [`the run ${result.defect ? "died with a defect" : "failed"}: ${text}`]
}

/** All built-in invariants, by name. */
export const builtins: Readonly<
  Record<Builtin, (result: TestResult, ctx: Context) => ReadonlyArray<string>>
> = { approvedDestructive, budgets, settled, noFailure }

/** Evaluates the built-ins (minus `skip`) and the custom invariants. */
export const evaluate = (
  result: TestResult,
  ctx: Context,
  custom: Readonly<Record<string, Invariant>>,
  skip: ReadonlyArray<Builtin> = [],
): ReadonlyArray<string> => {
  const violations: Array<string> = []
  for (const [name, check] of Object.entries(builtins)) {
    if (skip.includes(name as Builtin)) continue
    for (const v of check(result, ctx)) violations.push(`${name}: ${v}`)
  }
  for (const [name, check] of Object.entries(custom)) {
    let verdict: boolean | string
    try {
      verdict = check(result)
    } catch (e) {
      verdict = `threw ${String(e)}`
    }
    if (verdict === true) continue
    violations.push(`${name}: ${verdict === false ? "returned false" : verdict}`)
  }
  return violations
}
