/**
 * The typed, immutable playbook DSL.
 *
 * @example
 * ```ts
 * const triage = Playbook.make("triage", { version: "1.0.0" })
 *   .trigger(Schema.Struct({ ip: Schema.String }))
 *   .enrich("rep", (ctx) => ({ abuse: AbuseIPDB.check({ ip: ctx.trigger.ip }) }))
 *   .decide("verdict", (ctx) => (ctx.rep.abuse.score > 50 ? "malicious" : "benign"))
 *   .branch("verdict", {
 *     malicious: (p) => p.case({ severity: "high" }),
 *     benign: (p) => p.close({ resolution: "benign" }),
 *   })
 * ```
 * @since 0.1.0
 */
import type { Duration, Effect, Schema } from "effect"
import type { ActionKind, AnyCall, CallOutput } from "./Connector.ts"
import type { ConnectorError } from "./Errors.ts"
import type {
  ApproveOptions,
  AutoApprovalPolicy,
  CallOptions,
  CaseUpdate,
  CloseOptions,
  Node,
  PlaybookDef,
  PlaybookMeta,
} from "./internal/ast.ts"

export type {
  AutoApprovalPolicy,
  CallOptions,
  CaseUpdate,
  CloseOptions,
  PlaybookMeta,
  RetryOptions,
} from "./internal/ast.ts"

// ---------------------------------------------------------------------------
// Type helpers
// ---------------------------------------------------------------------------

/** Flattens an intersection so editor hovers show one object. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {}

declare const TypeErrorId: unique symbol
/** A readable compile-time error: the message shows up in the editor. */
export interface TypeError<Message extends string> {
  readonly [TypeErrorId]: Message
}

/** A step name: rejected when already used on this path. */
type FreshName<N extends string, Ctx> = N extends keyof Ctx
  ? TypeError<`step '${N}' is already defined on this path`>
  : N

type Awaited1<O> = O extends Effect.Effect<infer A, any, any> ? A : O

/** Per-call result of an enrichment with `onError: "continue"`. */
export type Outcome<A> =
  | { readonly _tag: "Success"; readonly value: A }
  | { readonly _tag: "Failure"; readonly error: ConnectorError }

type EnrichOutput<C, M> = {
  -readonly [K in keyof C]: M extends "continue" ? Outcome<CallOutput<C[K]>> : CallOutput<C[K]>
}

type ActOutput<C> = C extends ReadonlyArray<infer E> ? Array<CallOutput<E>> : CallOutput<C>

type KindOf<C> =
  C extends ReadonlyArray<infer E>
    ? E extends AnyCall
      ? E["kind"]
      : never
    : C extends AnyCall
      ? C["kind"]
      : never

/** Rejects a destructive call unless an approval precedes it on this path (or a policy is given). */
type DestructiveGuard<C, Approved extends boolean> = [Approved] extends [true]
  ? unknown
  : "destructive" extends KindOf<C>
    ? TypeError<"destructive action: add .approve() before it on this path, or pass an explicit { policy: Playbook.policy(name, reason) }">
    : unknown

/** The context of a path that ended with `.close()`. */
export interface Ended {
  readonly "~riposte/ended": true
}

/** Keys of the context holding a `.decide()` result (a string literal union). */
type DecisionKeys<Ctx> = {
  [K in keyof Ctx]: Ctx[K] extends string ? (string extends Ctx[K] ? never : K) : never
}[keyof Ctx] &
  string

/** The approval a gate was granted with. */
export interface Granted {
  readonly decision: "approved"
  readonly approvers: ReadonlyArray<string>
  readonly requestId: string
}
/** A denied or timed-out gate, seen by the `denied` path. */
export interface Refused {
  readonly decision: "denied" | "timeout"
  readonly approvers: ReadonlyArray<string>
  readonly requestId: string
  readonly comment: string | null
}

/** Result of a child playbook run. */
export interface ChildResult {
  readonly status: RunStatus
  readonly runId: string
  readonly caseId: string
}

export type RunStatus = "completed" | "closed" | "denied" | "timed_out"

export interface EnrichOptions<M extends "fail" | "continue"> extends CallOptions {
  /** "fail" (default): the first failed call fails the run. "continue": failures become `Outcome` values. */
  readonly onError?: M
}

export interface ActOptions extends CallOptions {
  /** An explicit auto-approval policy for a destructive action with no `.approve()` before it. */
  readonly policy?: AutoApprovalPolicy
}

export interface ApproveConfig<Ctx, Denied> extends Omit<ApproveOptions, "summary"> {
  /** The text shown to approvers. Attacker-controlled values are escaped by each channel. */
  readonly summary: (ctx: Ctx) => string
  /** What to do when the gate is denied or times out. Default: record it and end the run. */
  readonly denied?: Denied
}

// ---------------------------------------------------------------------------
// The builder interfaces
// ---------------------------------------------------------------------------

/**
 * A playbook under construction. `I` is the trigger input, `Ctx` the context each stage sees,
 * `Approved` whether an approval gate precedes the current point of this path.
 */
export interface Playbook<I, Ctx, Approved extends boolean> {
  readonly "~riposte/Playbook": { readonly input: I; readonly ctx: Ctx; readonly approved: Approved }
  /** The plain AST (read-only). */
  readonly definition: PlaybookDef

  /**
   * A deterministic transform; its output is added to the context under `name`. It is
   * recomputed when a run resumes, unless `journal` gives a schema for its output: then it runs
   * once as a journaled activity (for expensive steps, e.g. parsing an email in a worker).
   */
  step<const N extends string, O>(
    name: FreshName<N, Ctx>,
    f: (ctx: Ctx) => O,
    options?: { readonly journal?: Schema.Codec<Awaited1<O>, any> },
  ): Playbook<I, Simplify<Ctx & { readonly [K in N]: Awaited1<O> }>, Approved>

  /** Connector calls in parallel (bounded), each its own journaled activity. */
  enrich<
    const N extends string,
    C extends Readonly<Record<string, AnyCall>> | ReadonlyArray<AnyCall>,
    const M extends "fail" | "continue" = "fail",
  >(
    name: FreshName<N, Ctx>,
    f: (ctx: Ctx) => C,
    options?: EnrichOptions<M>,
  ): Playbook<I, Simplify<Ctx & { readonly [K in N]: EnrichOutput<C, M> }>, Approved>

  /** A decision: a string literal the next `.branch()` switches on. */
  decide<const N extends string, const L extends string>(
    name: FreshName<N, Ctx>,
    f: (ctx: Ctx) => L,
  ): Playbook<I, Simplify<Ctx & { readonly [K in N]: L }>, Approved>

  /** One arm per literal of decision `decision`: exhaustive, no unknown arms. */
  branch<
    K extends DecisionKeys<Ctx>,
    R extends { readonly [P in Ctx[K] & string]: Playbook<unknown, any, boolean> },
  >(
    decision: K,
    arms: {
      readonly [P in keyof R]: (
        path: Playbook<unknown, Simplify<Omit<Ctx, K> & { readonly [X in K]: P }>, Approved>,
      ) => R[P]
    } & {
      readonly [P in Exclude<keyof R, Ctx[K]>]: TypeError<`'${P & string}' is not an outcome of '${K}'`>
    },
  ): Playbook<I, ArmContext<R>, ArmApproved<R>>

  /**
   * A side effect (write or destructive action), journaled; arrays run per item. A destructive
   * action is a type error unless an `.approve()` precedes it on this path or a named `policy`
   * is passed.
   */
  act<const N extends string, C extends AnyCall | ReadonlyArray<AnyCall>>(
    name: FreshName<N, Ctx>,
    f: (ctx: Ctx) => C,
    options: ActOptions & { readonly policy: AutoApprovalPolicy },
  ): Playbook<I, Simplify<Ctx & { readonly [K in N]: ActOutput<C> }>, Approved>
  act<const N extends string, C extends AnyCall | ReadonlyArray<AnyCall>>(
    name: FreshName<N, Ctx>,
    f: (ctx: Ctx) => C & DestructiveGuard<C, Approved>,
    options?: ActOptions,
  ): Playbook<I, Simplify<Ctx & { readonly [K in N]: ActOutput<C> }>, Approved>

  /** A durable human gate. The path after it runs only when approved; never auto-approved. */
  approve<
    const N extends string,
    D extends
      | ((
          path: Playbook<unknown, Simplify<Ctx & { readonly [K in N]: Refused }>, Approved>,
        ) => Playbook<unknown, any, boolean>)
      | undefined = undefined,
  >(
    name: FreshName<N, Ctx>,
    options: ApproveConfig<Ctx, D>,
  ): Playbook<I, Simplify<Ctx & { readonly [K in N]: Granted }>, true>

  /** Writes to the run's case. */
  case(update: CaseUpdate | ((ctx: Ctx) => CaseUpdate)): Playbook<I, Ctx, Approved>

  /** Closes the case with a resolution and ends this path. */
  close(
    resolution: string | CloseOptions | ((ctx: Ctx) => string | CloseOptions),
  ): Playbook<I, Ended, Approved>

  /** Runs another playbook as a child run with its own journal. */
  call<const N extends string, CI>(
    name: FreshName<N, Ctx>,
    playbook: Playbook<CI, any, boolean>,
    input: (ctx: Ctx) => NoInfer<CI>,
  ): Playbook<I, Simplify<Ctx & { readonly [K in N]: ChildResult }>, Approved>
}

type ArmContext<R> = {
  [P in keyof R]: R[P] extends Playbook<any, infer C, any> ? (C extends Ended ? never : C) : never
}[keyof R]
type ArmApproved<R> = false extends {
  [P in keyof R]: R[P] extends Playbook<any, any, infer A> ? A : never
}[keyof R]
  ? false
  : true

/** The first stage: only `.trigger()` is available. */
export interface PlaybookStart {
  readonly meta: PlaybookMeta
  /**
   * The trigger schema. Invalid input is a `TriggerValidationError` naming the failing path.
   * `idempotencyKey` makes a second trigger with the same key join the existing run.
   */
  trigger<S extends Schema.Top>(
    schema: S,
    options?: {
      readonly idempotencyKey?: (input: S["Type"]) => string
      readonly caseTitle?: (input: S["Type"]) => string
    },
  ): Playbook<S["Type"], { readonly trigger: S["Type"] }, false>
}

/** Any playbook, whatever its types. */
export type Any = Playbook<any, any, boolean>
/** The trigger input type of a playbook (encoded form accepted by `run`). */
export type Input<P> = P extends Playbook<infer I, any, any> ? I : never

// ---------------------------------------------------------------------------
// Implementation: frozen builder over the AST
// ---------------------------------------------------------------------------

class Builder {
  readonly "~riposte/Playbook" = undefined as never
  readonly definition: PlaybookDef
  constructor(definition: PlaybookDef) {
    this.definition = Object.freeze(definition)
    Object.freeze(this)
  }
  private add(node: Node): Builder {
    return new Builder({
      ...this.definition,
      nodes: Object.freeze([...this.definition.nodes, Object.freeze(node)]),
    })
  }
  step(name: string, run: (ctx: any) => unknown, options?: { readonly journal?: Schema.Top }) {
    return this.add({ kind: "step", name, run, journal: options?.journal })
  }
  enrich(name: string, calls: any, options?: EnrichOptions<"fail" | "continue">) {
    return this.add({ kind: "enrich", name, calls, options: { onError: "fail", ...options } })
  }
  decide(name: string, decide: (ctx: any) => string) {
    return this.add({ kind: "decide", name, decide })
  }
  branch(name: string, arms: Record<string, (p: Builder) => Builder>) {
    const built: Record<string, ReadonlyArray<Node>> = {}
    for (const [arm, f] of Object.entries(arms)) {
      const path = f(new Builder({ ...this.definition, nodes: [] }))
      if (!(path instanceof Builder))
        throw new TypeError(`branch '${name}' arm '${arm}' must return the path`)
      built[arm] = path.definition.nodes
    }
    return this.add({ kind: "branch", name, arms: Object.freeze(built) })
  }
  act(name: string, calls: any, options?: ActOptions) {
    return this.add({ kind: "act", name, calls, options: { ...options } })
  }
  approve(name: string, options: ApproveConfig<any, ((p: Builder) => Builder) | undefined>) {
    const { denied, ...rest } = options
    const deniedNodes =
      denied === undefined
        ? undefined
        : denied(new Builder({ ...this.definition, nodes: [] })).definition.nodes
    return this.add({ kind: "approve", name, options: rest, denied: deniedNodes })
  }
  case(update: CaseUpdate | ((ctx: any) => CaseUpdate)) {
    const name = `case#${this.definition.nodes.length}`
    return this.add({ kind: "case", name, update: typeof update === "function" ? update : () => update })
  }
  close(resolution: string | CloseOptions | ((ctx: any) => string | CloseOptions)) {
    const name = `close#${this.definition.nodes.length}`
    const toOptions = (r: string | CloseOptions): CloseOptions =>
      typeof r === "string" ? { resolution: r } : r
    const close =
      typeof resolution === "function"
        ? (ctx: any) => toOptions(resolution(ctx))
        : () => toOptions(resolution)
    return this.add({ kind: "close", name, close })
  }
  call(name: string, playbook: Any, input: (ctx: any) => unknown) {
    return this.add({ kind: "call", name, playbook: playbook.definition, input })
  }
}

/**
 * Starts a playbook definition.
 *
 * @example
 * ```ts
 * Playbook.make("phishing", { version: "1.0.0", attack: ["T1566"] }).trigger(Schema.Struct({ eml: Schema.String }))
 * ```
 */
export const make = (
  name: string,
  meta: {
    readonly version: string
    readonly description?: string
    readonly owner?: string
    readonly attack?: ReadonlyArray<string>
  },
): PlaybookStart => {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name))
    throw new TypeError(`playbook name '${name}' must be a simple identifier`)
  const fullMeta: PlaybookMeta = Object.freeze({ name, ...meta })
  return Object.freeze({
    meta: fullMeta,
    trigger: (
      schema: Schema.Top,
      options?: { idempotencyKey?: (i: any) => string; caseTitle?: (i: any) => string },
    ) =>
      new Builder({
        meta: fullMeta,
        trigger: schema,
        idempotencyKey: options?.idempotencyKey,
        caseTitle: options?.caseTitle,
        nodes: [],
      }),
  }) as unknown as PlaybookStart
}

/** Alias of {@link make}: `playbook("phishing", { version })`. */
export const playbook = make

/**
 * A named auto-approval policy for a destructive action without a human gate. The name lands
 * in the case with every action it allowed.
 */
export const policy = (name: string, reason: string): AutoApprovalPolicy =>
  Object.freeze({ _tag: "AutoApprovalPolicy", name, reason })

/** `true` for a playbook value. */
export const isPlaybook = (u: unknown): u is Any => u instanceof Builder

/** The workflow tag of a playbook version: the version is part of the run's identity. */
export const workflowTag = (p: Any | PlaybookDef): string => {
  const def = "definition" in p ? p.definition : p
  return `riposte/${def.meta.name}@${def.meta.version}`
}

export type { ActionKind, Duration }
