/**
 * Connector definitions: schemas and kinds only. A definition is a value; its implementation
 * (the client that performs HTTP) is a Layer built with {@link layer}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Connector } from "@riposte/core"
 *
 * export const VirusTotal = Connector.make("virustotal", {
 *   version: "3",
 *   actions: {
 *     urlReport: Connector.action({
 *       input: Schema.Struct({ url: Schema.String }),
 *       output: Schema.Struct({ malicious: Schema.Number }),
 *       kind: "read",
 *     }),
 *   },
 * })
 * const call = VirusTotal.urlReport({ url: "https://example.test" }) // a value, runs nothing
 * ```
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import { type ConnectorError, ConnectorError as ConnectorErrorClass, NotConfigured } from "./Errors.ts"

/** What an action does to the world: reads nothing, writes something, or destroys something. */
export type ActionKind = "read" | "write" | "destructive"

/** The guardrail budget an action counts against, if any. */
export type BudgetCategory = "host" | "account" | "mailbox" | "indicator" | "message"

/** The schema of an action: input, output, kind and the optional inverse action. */
export interface ActionDef<
  I extends Schema.Top = Schema.Top,
  O extends Schema.Top = Schema.Top,
  K extends ActionKind = ActionKind,
> {
  readonly _tag: "ActionDef"
  readonly input: I
  readonly output: O
  readonly kind: K
  readonly description?: string | undefined
  /** Name of the action (same connector) that reverses this one. */
  readonly undo?: string | undefined
  /** Builds the undo action's input from this action's input and output. */
  readonly undoInput?: ((input: I["Type"], output: O["Type"]) => unknown) | undefined
  /** The budget category this action counts against (guardrails). */
  readonly budget?: BudgetCategory | undefined
  /** The targets the action touches (hosts, accounts, mailboxes…), for budgets, scope rules and plans. */
  readonly targets?: ((input: I["Type"]) => ReadonlyArray<string>) | undefined
  /** How an output reads as a verdict, for the case's enrichment records. */
  readonly assess?: ((output: O["Type"]) => Assessment) | undefined
}

/** A connector result read as a verdict. */
export interface Assessment {
  readonly verdict: "malicious" | "suspicious" | "benign" | "unknown"
  readonly score?: number
  readonly summary?: string
}

/**
 * Declares an action.
 *
 * @example
 * ```ts
 * Connector.action({ input: Schema.Struct({ host: Schema.String }), output: Schema.Void, kind: "destructive", undo: "liftContainment" })
 * ```
 */
export const action = <I extends Schema.Top, O extends Schema.Top, const K extends ActionKind>(options: {
  readonly input: I
  readonly output: O
  readonly kind: K
  readonly description?: string
  readonly undo?: string
  readonly undoInput?: (input: I["Type"], output: O["Type"]) => unknown
  readonly budget?: BudgetCategory
  readonly targets?: (input: I["Type"]) => ReadonlyArray<string>
  readonly assess?: (output: O["Type"]) => Assessment
}): ActionDef<I, O, K> => Object.freeze({ _tag: "ActionDef", ...options })

export type AnyActionDef = ActionDef<any, any, ActionKind>

/**
 * A connector call: a plain value naming the connector, the action and its input.
 * Nothing runs until a compiled playbook executes it.
 */
export interface Call<
  out C extends string = string,
  out A extends string = string,
  out K extends ActionKind = ActionKind,
  out O = unknown,
> {
  readonly _tag: "ConnectorCall"
  readonly connector: C
  readonly action: A
  readonly kind: K
  readonly input: unknown
  readonly definition: AnyActionDef
  /** Phantom: the decoded output type. */
  readonly "~output"?: O
}

export type AnyCall = Call<string, string, ActionKind, any>
/** The output type of a call. */
export type CallOutput<C> = C extends Call<any, any, any, infer O> ? O : never

/** Context every implementation receives with a call. */
export interface CallContext {
  /** hash(executionId, step path, item index): the same on every retry and after a crash. */
  readonly idempotencyKey: string
  readonly runId: string
  readonly playbook: string
  readonly step: string
  readonly attempt: number
}

/** The implementation of one connector: a function per action. */
export type Handlers<Actions extends Record<string, AnyActionDef>> = {
  readonly [K in keyof Actions]: (
    input: Actions[K]["input"]["Type"],
    context: CallContext,
  ) => Effect.Effect<Actions[K]["output"]["Type"], ConnectorError>
}

export interface ImplementationShape {
  readonly connector: string
  readonly handlers: Readonly<
    Record<string, (input: unknown, context: CallContext) => Effect.Effect<unknown, ConnectorError>>
  >
}

type Reserved = "connector" | "version" | "actions" | "service" | "description"

/** A connector definition: metadata plus one call constructor per action. */
export type Definition<Name extends string, Actions extends Record<string, AnyActionDef>> = {
  readonly connector: Name
  readonly version: string
  readonly description?: string | undefined
  readonly actions: Actions
  /** The service key under which the implementation Layer is provided. */
  readonly service: Context.Key<Implementation<Name>, ImplementationShape>
} & {
  readonly [K in keyof Actions & string]: (
    input: Actions[K]["input"]["~type.make.in"],
  ) => Call<Name, K, Actions[K]["kind"], Actions[K]["output"]["Type"]>
}

/** Type identifier of the implementation service of connector `Name`. */
export interface Implementation<Name extends string> {
  readonly _: unique symbol
  readonly name: Name
}

export type AnyDefinition = Definition<string, Record<string, AnyActionDef>>

const serviceKey = (name: string) => `@riposte/connector/${name}`

/**
 * Defines a connector: a name, an API version and its actions.
 */
export const make = <
  const Name extends string,
  const Actions extends Record<string, AnyActionDef> & { readonly [K in Reserved]?: never },
>(
  connector: Name,
  options: { readonly version: string; readonly description?: string; readonly actions: Actions },
): Definition<Name, Actions> => {
  if (!/^[a-z][a-z0-9-]*$/.test(connector)) {
    throw new TypeError(`connector name '${connector}' must be lower-case kebab-case`)
  }
  const service = Context.Service<Implementation<Name>, ImplementationShape>(serviceKey(connector))
  const result: Record<string, unknown> = {
    connector,
    version: options.version,
    description: options.description,
    actions: options.actions,
    service,
  }
  for (const [name, def] of Object.entries(options.actions)) {
    result[name] = (input: unknown): Call =>
      Object.freeze({
        _tag: "ConnectorCall",
        connector,
        action: name,
        kind: def.kind,
        input,
        definition: def,
      })
  }
  return Object.freeze(result) as Definition<Name, Actions>
}

/**
 * Provides the implementation of a connector. Connector packages build their HTTP clients with
 * this; tests pass plain functions.
 *
 * @example
 * ```ts
 * const VirusTotalMock = Connector.layer(VirusTotal, {
 *   urlReport: ({ url }) => Effect.succeed({ malicious: url.includes("evil") ? 5 : 0 }),
 * })
 * ```
 */
export const layer = <Name extends string, Actions extends Record<string, AnyActionDef>, R = never>(
  definition: Definition<Name, Actions>,
  handlers: Handlers<Actions> | Effect.Effect<Handlers<Actions>, never, R>,
): Layer.Layer<Implementation<Name>, never, Exclude<R, import("effect").Scope.Scope>> =>
  Layer.effect(
    definition.service,
    Effect.map(
      (Effect.isEffect(handlers) ? handlers : Effect.succeed(handlers)) as Effect.Effect<
        Handlers<Actions>,
        never,
        R
      >,
      (h): ImplementationShape => ({
        connector: definition.connector,
        handlers: h as ImplementationShape["handlers"],
      }),
    ),
  ) as never

/** `true` for a connector call value. */
export const isCall = (u: unknown): u is AnyCall =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "ConnectorCall"

/** Maps items to calls: `Connector.forEach(urls, (url) => VirusTotal.urlReport({ url }))`. */
export const forEach = <T, C extends AnyCall>(items: ReadonlyArray<T>, f: (item: T, index: number) => C) =>
  items.map(f)

/**
 * Invokes a call directly through the provided implementation, outside any playbook (undo,
 * operator tools, tests). Inside playbooks, calls run as journaled activities instead.
 *
 * @example
 * ```ts
 * const report = yield* Connector.invoke(VirusTotal.urlReport({ url }), { idempotencyKey: "manual-1", runId: "manual", playbook: "ops", step: "lookup", attempt: 1 })
 * ```
 */
export const invoke = <C extends AnyCall>(
  call: C,
  context: CallContext,
): Effect.Effect<CallOutput<C>, ConnectorError> =>
  Effect.gen(function* () {
    const impl = yield* Effect.serviceOption(
      Context.Service<unknown, ImplementationShape>(serviceKey(call.connector)),
    )
    const handler = impl._tag === "Some" ? impl.value.handlers[call.action] : undefined
    if (handler === undefined) {
      return yield* new ConnectorErrorClass({
        connector: call.connector,
        action: call.action,
        reason: new NotConfigured(),
      })
    }
    const input = yield* Schema.decodeUnknownEffect(call.definition.input as Schema.Codec<unknown, unknown>)(
      call.input,
    ).pipe(Effect.orDie)
    return (yield* handler(input, context)) as CallOutput<C>
  })
