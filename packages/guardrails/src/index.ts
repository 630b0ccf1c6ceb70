/**
 * @riposte/guardrails — approval tokens and channels (HTTP, Slack), blast-radius budgets,
 * scope rules, dry-run plans, rollback and playbook provenance.
 *
 * @since 0.1.0
 */
export * as ApprovalHttp from "./ApprovalHttp.ts"
export * as ApprovalTokens from "./ApprovalTokens.ts"
export * as BudgetCounters from "./BudgetCounters.ts"
export * as Guardrails from "./Guardrails.ts"
export * as Migrations from "./Migrations.ts"
export * as Plan from "./Plan.ts"
export * as Provenance from "./Provenance.ts"
export * as Scope from "./Scope.ts"
export * as SlackApprovals from "./SlackApprovals.ts"
export * as Undo from "./Undo.ts"
