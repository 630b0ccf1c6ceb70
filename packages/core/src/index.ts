/**
 * @riposte/core — the typed playbook DSL, compiled onto effect/workflow.
 *
 * @since 0.1.0
 */
export * as CaseModel from "./CaseModel.ts"
export * as CaseStore from "./CaseStore.ts"
export * as CaseStoreMemory from "./CaseStoreMemory.ts"
export * as CaseValidation from "./CaseValidation.ts"
export * as Connector from "./Connector.ts"
export * as Engine from "./Engine.ts"
export * from "./Errors.ts"
export * as Guardrails from "./Guardrails.ts"
export * as Mermaid from "./Mermaid.ts"
export { toMermaid } from "./Mermaid.ts"
export * as Observable from "./Observable.ts"
export * as Playbook from "./Playbook.ts"
export { playbook, policy } from "./Playbook.ts"
export * as Reminders from "./Reminders.ts"
export * as Riposte from "./Riposte.ts"
export { createRiposte } from "./Riposte.ts"
export * as Tracing from "./Tracing.ts"
