/**
 * Typed mocks of connectors: one handler per action, typed from the connector definition. A
 * handler returns the action's output (or an `Effect` of it); returning the wrong shape is a
 * type error. Actions without a handler fail the call with a clear `UnmockedCall` report.
 *
 * @example
 * ```ts
 * const vt = Mock.make(VirusTotal, {
 *   urlReport: ({ url }) => ({ malicious: url.includes("evil") ? 5 : 0 }),
 * })
 * ```
 * @since 0.1.0
 */
import { type Connector, ConnectorError, NotConfigured } from "@riposte/core"
import { Effect, Layer } from "effect"

/** A mock handler: the action's output, or an Effect of it (which may fail with a ConnectorError). */
export type Handler<A extends Connector.AnyActionDef> = (
  input: A["input"]["Type"],
  context: Connector.CallContext,
) => A["output"]["Type"] | Effect.Effect<A["output"]["Type"], ConnectorError>

/** Handlers for some or all actions of a connector. */
export type Handlers<Actions extends Record<string, Connector.AnyActionDef>> = {
  readonly [K in keyof Actions]?: Handler<Actions[K]>
}

/** A mocked connector: its definition and the handlers given. */
export interface Mock {
  readonly _tag: "Mock"
  readonly definition: Connector.AnyDefinition
  readonly handlers: Readonly<Record<string, Handler<Connector.AnyActionDef>>>
}

/**
 * Mocks a connector.
 *
 * @example
 * ```ts
 * Mock.make(Mail, { search: () => ({ mailboxes: ["alice@corp.test"] }), purge: () => Effect.succeed({ purged: true }) })
 * ```
 */
export const make = <Name extends string, Actions extends Record<string, Connector.AnyActionDef>>(
  definition: Connector.Definition<Name, Actions>,
  handlers: Handlers<Actions>,
): Mock => {
  for (const action of Object.keys(handlers)) {
    if (!Object.hasOwn(definition.actions, action))
      throw new TypeError(
        `Mock.make(${definition.connector}): '${action}' is not an action of this connector`,
      )
  }
  return Object.freeze({
    _tag: "Mock",
    definition: definition as unknown as Connector.AnyDefinition,
    handlers: handlers as unknown as Mock["handlers"],
  })
}

/**
 * `true` when a run failed because it called a connector or action that has no mock.
 *
 * @example
 * ```ts
 * if (Mock.isUnmocked(result.error)) console.log(`${result.error.connector}.${result.error.action}`)
 * ```
 */
export const isUnmocked = (error: unknown): error is ConnectorError =>
  error instanceof ConnectorError && error.reason._tag === "NotConfigured"

/**
 * The implementation layer of one mock; unmocked actions fail with `NotConfigured`.
 *
 * @example
 * ```ts
 * Effect.provide(program, Mock.layer(Mock.make(Mail, { search: () => ({ mailboxes: [] }) })))
 * ```
 */
export const layer = (mock: Mock): Layer.Layer<never> => {
  const def = mock.definition
  const handlers: Record<string, Connector.ImplementationShape["handlers"][string]> = {}
  for (const action of Object.keys(def.actions)) {
    const handler = mock.handlers[action]
    handlers[action] =
      handler === undefined
        ? () =>
            Effect.fail(new ConnectorError({ connector: def.connector, action, reason: new NotConfigured() }))
        : (input, context) =>
            Effect.suspend(() => {
              const out = handler(input, context)
              return (Effect.isEffect(out) ? out : Effect.succeed(out)) as Effect.Effect<
                unknown,
                ConnectorError
              >
            })
  }
  return Layer.succeed(def.service)({ connector: def.connector, handlers }) as Layer.Layer<never>
}
