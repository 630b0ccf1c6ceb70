/**
 * The state of one execution of a playbook body, shared by the interpreter's parts.
 */
import type { Actor } from "../CaseModel.ts"
import { StepError } from "../Errors.ts"
import type { Ctx, PlaybookDef } from "./ast.ts"

export interface RunState {
  readonly def: PlaybookDef
  readonly executionId: string
  readonly runId: string
  readonly caseId: string
  readonly ctx: Ctx
  readonly path: Array<string>
  /** Approval request id in force on this path (audit reference for actions). */
  approval: string | null
  /** The user who started the run, if a person did. */
  readonly actor: string | undefined
  /** Whether the engine commits a call's case rows with its journal entry (`CommitWith`). */
  readonly inJournal: boolean
}

export type Flow =
  | { readonly _tag: "Continue" }
  | { readonly _tag: "End"; readonly status: "completed" | "closed" | "denied" | "timed_out" }

export const Continue: Flow = { _tag: "Continue" }

export const playbookActor = (def: PlaybookDef): Actor => ({
  kind: "playbook",
  id: `${def.meta.name}@${def.meta.version}`,
})

export const stepError = (state: RunState, step: string, cause: unknown) =>
  new StepError({
    playbook: state.def.meta.name,
    step,
    detail: cause instanceof Error ? cause.message : String(cause),
  })
