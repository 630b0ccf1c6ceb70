/**
 * `@riposte/workflow-sql`: a durable effect/workflow `WorkflowEngine` over an Effect `SqlClient`.
 *
 * @example
 * ```ts
 * import { SqlWorkflowEngine } from "@riposte/workflow-sql"
 *
 * const engine = SqlWorkflowEngine.layer()
 * ```
 *
 * @since 0.1.0
 */

export * as GroupCommit from "./GroupCommit.ts"
export * as SqlWorkflowEngine from "./SqlWorkflowEngine.ts"
