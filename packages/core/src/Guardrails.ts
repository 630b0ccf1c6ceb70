/**
 * The guardrail hook: consulted (inside a journaled activity, exactly once per step) before any
 * write or destructive action runs. Implementations enforce blast-radius budgets, scope rules
 * and dry runs; the default allows everything that the playbook's types already allowed.
 *
 * @since 0.1.0
 */
import { Context, Effect, Schema } from "effect"
import type { ActionKind, BudgetCategory } from "./Connector.ts"

/** One planned call, as the guardrails see it. Inputs are already redacted. */
export interface PlannedCall {
  readonly runId: string
  readonly caseId: string
  readonly playbook: string
  readonly playbookVersion: string
  readonly tenant: string
  readonly step: string
  readonly index: number
  readonly connector: string
  readonly action: string
  readonly kind: ActionKind
  readonly budget: BudgetCategory | undefined
  readonly targets: ReadonlyArray<string>
  readonly input: unknown
  /** The approval request in force on this path, or the auto-approval policy name. */
  readonly approvalRef: string | null
}

/** What happens to one call. */
export const Verdict = Schema.Union([
  Schema.TaggedStruct("Allow", {}),
  /** Dry run: record what would happen, do not call the connector. */
  Schema.TaggedStruct("Plan", {}),
  /** A scope rule or budget forbids it: the call is skipped and recorded as blocked. */
  Schema.TaggedStruct("Block", { reason: Schema.String }),
  /** Over budget: the call needs a human approval first. */
  Schema.TaggedStruct("RequireApproval", { reason: Schema.String, roles: Schema.Array(Schema.String) }),
])
export type Verdict = typeof Verdict.Type

export interface GuardrailsShape {
  /** Decides every call of one act step at once (so budgets can count the whole batch). */
  readonly check: (calls: ReadonlyArray<PlannedCall>) => Effect.Effect<ReadonlyArray<Verdict>>
  /** Whether this process runs playbooks in dry-run mode (read actions live, writes planned). */
  readonly dryRun: boolean
}

/** Allows everything; no dry run. The default when no guardrails layer is provided. */
export const allowAll: GuardrailsShape = {
  check: (calls) => Effect.succeed(calls.map(() => ({ _tag: "Allow" }) as const)),
  dryRun: false,
}

/** The guardrails service; defaults to {@link allowAll}. */
export const Guardrails: Context.Reference<GuardrailsShape> = Context.Reference<GuardrailsShape>(
  "@riposte/core/Guardrails",
  {
    defaultValue: () => allowAll,
  },
)
