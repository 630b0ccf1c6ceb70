/**
 * The playbook AST: plain, frozen, `kind`-tagged nodes. The builder only ever creates these;
 * `Playbook.compile` walks them.
 */
import type { Duration, Effect, Schema } from "effect"
import type { AnyCall } from "../Connector.ts"

export interface RetryOptions {
  /** Retries after the first attempt. */
  readonly times: number
  /** First backoff delay (default 200 millis); doubles each attempt, with jitter. */
  readonly base?: Duration.Input
  /** Upper bound of one backoff delay (default 30 seconds). */
  readonly max?: Duration.Input
}

export interface CallOptions {
  readonly retry?: RetryOptions
  /** Per-call timeout (each attempt). */
  readonly timeout?: Duration.Input
  /** Concurrency of the calls of this step (default 8). */
  readonly concurrency?: number
}

/** A named auto-approval policy: lets a destructive action run without a human gate. */
export interface AutoApprovalPolicy {
  readonly _tag: "AutoApprovalPolicy"
  readonly name: string
  readonly reason: string
}

export interface CaseUpdate {
  readonly title?: string
  readonly severity?: "informational" | "low" | "medium" | "high" | "critical"
  readonly status?: "new" | "triaged" | "contained" | "resolved" | "closed"
  readonly assignee?: string | null
  readonly tags?: ReadonlyArray<string>
  readonly note?: string
  readonly observables?: ReadonlyArray<{
    readonly type: string
    readonly raw: string
    readonly verdict?: "malicious" | "suspicious" | "benign" | "unknown"
    readonly source?: string
  }>
}

export interface CloseOptions {
  readonly resolution: string
  readonly status?: "resolved" | "closed"
}

export type Ctx = Record<string, any>

export type Node =
  | {
      readonly kind: "step"
      readonly name: string
      readonly run: (ctx: Ctx) => unknown
      /** When set, the step's output is journaled with this schema and never recomputed on replay. */
      readonly journal: Schema.Top | undefined
    }
  | {
      readonly kind: "enrich"
      readonly name: string
      readonly calls: (ctx: Ctx) => Readonly<Record<string, AnyCall>> | ReadonlyArray<AnyCall>
      readonly options: CallOptions & { readonly onError: "fail" | "continue" }
    }
  | { readonly kind: "decide"; readonly name: string; readonly decide: (ctx: Ctx) => string }
  | {
      readonly kind: "branch"
      readonly name: string
      readonly arms: Readonly<Record<string, ReadonlyArray<Node>>>
    }
  | {
      readonly kind: "act"
      readonly name: string
      readonly calls: (ctx: Ctx) => AnyCall | ReadonlyArray<AnyCall>
      readonly options: CallOptions & { readonly policy?: AutoApprovalPolicy }
    }
  | {
      readonly kind: "approve"
      readonly name: string
      readonly options: ApproveOptions
      readonly denied: ReadonlyArray<Node> | undefined
    }
  | { readonly kind: "case"; readonly name: string; readonly update: (ctx: Ctx) => CaseUpdate }
  | { readonly kind: "close"; readonly name: string; readonly close: (ctx: Ctx) => CloseOptions }
  | {
      readonly kind: "call"
      readonly name: string
      readonly playbook: PlaybookDef
      readonly input: (ctx: Ctx) => unknown
    }

export interface ApproveOptions {
  readonly roles: ReadonlyArray<string>
  readonly quorum?: number
  readonly timeout: Duration.Input
  readonly onTimeout: "deny" | "escalate"
  /** Second-level approvers after the first timeout, when `onTimeout: "escalate"`. */
  readonly escalate?: { readonly roles: ReadonlyArray<string>; readonly timeout: Duration.Input }
  /** The requester may not approve their own request. Default true. */
  readonly fourEyes?: boolean
  /** Remind the approvers at this interval while the request waits (timeline + Reminders hook). */
  readonly remindEvery?: Duration.Input
  readonly summary: (ctx: Ctx) => string
}

export interface PlaybookMeta {
  readonly name: string
  readonly version: string
  readonly description?: string | undefined
  readonly owner?: string | undefined
  readonly attack?: ReadonlyArray<string> | undefined
}

export interface PlaybookDef {
  readonly meta: PlaybookMeta
  readonly trigger: Schema.Top
  readonly idempotencyKey: ((input: any) => string) | undefined
  readonly caseTitle: ((input: any) => string) | undefined
  readonly nodes: ReadonlyArray<Node>
}

export type StepEffect = Effect.Effect<unknown, unknown, never>
