/**
 * The guardrails implementation: blast-radius budgets, scope rules and dry runs, provided as
 * core's `Guardrails` reference. The engine consults it once per act step inside a journaled
 * activity annotated `WithTransaction`, so budget reservations commit exactly once.
 *
 * Order of evaluation for each call: scope rules (→ Block), reads (→ Allow), dry run (→ Plan),
 * budgets (→ Allow, or over budget → RequireApproval / Block).
 *
 * @example
 * ```ts
 * const guardrails = Guardrails.layer({
 *   budgets: { global: { host: { perRun: 5, perHour: 20 } }, playbooks: { phishing: { mailbox: { perRun: 100 } } } },
 *   scope: [Scope.internalDomainsOnly({ domains: ["corp.example"] })],
 *   onOverBudget: "approve",
 *   approverRoles: ["soc-lead"],
 * }).pipe(Layer.provide(BudgetCounters.layerSql))
 * const engine = Engine.layer({ playbooks }).pipe(Layer.provide(guardrails))
 * ```
 * @since 0.1.0
 */
import { type Connector, Guardrails as Core } from "@riposte/core"
import { Clock, Effect, Layer } from "effect"
import { BudgetCounters, type CounterKey } from "./BudgetCounters.ts"
import * as Scope from "./Scope.ts"

/** Limits of one budget category. Units are targets (a call on 3 mailboxes uses 3). */
export interface BudgetLimit {
  /** At most this many per run. */
  readonly perRun?: number
  /** At most this many per clock hour, per tenant (shared by every runner). */
  readonly perHour?: number
}

export type Budgets = Partial<Record<Connector.BudgetCategory, BudgetLimit>>

export interface Options {
  /** Budgets for every playbook, and extra budgets per playbook name (both must hold). */
  readonly budgets?: {
    readonly global?: Budgets
    readonly playbooks?: Readonly<Record<string, Budgets>>
  }
  readonly scope?: ReadonlyArray<Scope.Rule>
  /** Plan every write/destructive call instead of running it (reads stay live). */
  readonly dryRun?: boolean
  /** Over budget: ask a human (default) or block. */
  readonly onOverBudget?: "approve" | "fail"
  /** Roles that may release an over-budget step; required with `onOverBudget: "approve"`. */
  readonly approverRoles?: ReadonlyArray<string>
}

const HOUR = 3_600_000

interface Constraint {
  readonly key: CounterKey
  readonly limit: number
  readonly label: string
}

/** The counters a call in `category` must fit into (same key twice → the lower limit). */
const constraintsOf = (
  options: Options,
  call: Core.PlannedCall,
  category: Connector.BudgetCategory,
  now: number,
): ReadonlyArray<Constraint> => {
  const out = new Map<string, Constraint>()
  const add = (key: CounterKey, limit: number | undefined, label: string) => {
    if (limit === undefined) return
    const id = `${key.windowStart}|${key.scopeKey}`
    const existing = out.get(id)
    if (existing === undefined || limit < existing.limit) out.set(id, { key, limit, label })
  }
  const hour = Math.floor(now / HOUR) * HOUR
  const global = options.budgets?.global?.[category]
  const own = options.budgets?.playbooks?.[call.playbook]?.[category]
  add({ windowStart: 0, scopeKey: `run:${call.runId}`, category }, global?.perRun, "per run")
  add({ windowStart: 0, scopeKey: `run:${call.runId}`, category }, own?.perRun, "per run")
  add({ windowStart: hour, scopeKey: `tenant:${call.tenant}`, category }, global?.perHour, "per hour")
  add(
    { windowStart: hour, scopeKey: `tenant:${call.tenant}/playbook:${call.playbook}`, category },
    own?.perHour,
    `per hour for playbook ${call.playbook}`,
  )
  return [...out.values()]
}

/** Units a call uses: its distinct targets, at least one. */
const unitsOf = (call: Core.PlannedCall) => Math.max(1, new Set(call.targets).size)

/**
 * Builds the guardrails as an Effect (for callers that compose services themselves).
 *
 * @example
 * ```ts
 * const shape = yield* Guardrails.make({ dryRun: true })
 * ```
 */
export const make = (options: Options): Effect.Effect<Core.GuardrailsShape, never, BudgetCounters> =>
  Effect.gen(function* () {
    const onOverBudget = options.onOverBudget ?? "approve"
    const roles = options.approverRoles ?? []
    if (onOverBudget === "approve" && roles.length === 0 && options.budgets !== undefined)
      return yield* Effect.die(new TypeError("Guardrails: onOverBudget 'approve' needs approverRoles"))
    const counters = yield* BudgetCounters
    const rules = options.scope ?? []
    const dryRun = options.dryRun ?? false

    /** Reserves every counter of a call, or none (earlier reservations are given back). */
    const reserve = (constraints: ReadonlyArray<Constraint>, units: number) =>
      Effect.gen(function* () {
        const taken: Array<Constraint> = []
        for (const c of constraints) {
          const ok = yield* counters.reserve(c.key, units, c.limit)
          if (!ok) {
            for (const t of taken) yield* counters.release(t.key, units)
            const used = yield* counters.get(c.key)
            return `budget exceeded: at most ${c.limit} ${c.key.category} target(s) ${c.label} (tenant ${c.key.scopeKey.startsWith("run:") ? "run" : c.key.scopeKey.slice("tenant:".length)}: ${used} used, ${units} more requested)`
          }
          taken.push(c)
        }
        return undefined
      })

    const checkOne = (call: Core.PlannedCall): Effect.Effect<Core.Verdict> =>
      Effect.gen(function* () {
        const blocked = yield* Scope.evaluate(rules, call)
        if (blocked !== undefined) return { _tag: "Block", reason: blocked } as const
        if (call.kind === "read") return { _tag: "Allow" } as const
        if (dryRun) return { _tag: "Plan" } as const
        if (call.budget === undefined) return { _tag: "Allow" } as const
        const now = yield* Clock.currentTimeMillis
        const over = yield* reserve(constraintsOf(options, call, call.budget, now), unitsOf(call)).pipe(
          Effect.orDie,
        )
        if (over === undefined) return { _tag: "Allow" } as const
        return onOverBudget === "fail"
          ? ({ _tag: "Block", reason: over } as const)
          : ({ _tag: "RequireApproval", reason: over, roles: [...roles] } as const)
      })

    return {
      dryRun,
      // Sequential: calls of one step reserve in order, so the first N of a batch get the slots.
      check: (calls) => Effect.forEach(calls, checkOne),
    }
  })

/**
 * Provides core's `Guardrails` reference. Needs `BudgetCounters` (memory or SQL).
 *
 * @example
 * ```ts
 * Guardrails.layer({ dryRun: true }).pipe(Layer.provide(BudgetCounters.layerMemory))
 * ```
 */
export const layer = (options: Options): Layer.Layer<never, never, BudgetCounters> =>
  Layer.effect(Core.Guardrails, make(options)) as Layer.Layer<never, never, BudgetCounters>
