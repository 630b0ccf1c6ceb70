/**
 * The call log: every connector call a run makes, captured by wrapping the connector
 * implementations the engine is given (mocks, generated responders or real clients).
 */
import type { Connector } from "@riposte/core"
import { Clock, Context, Effect, Exit, Layer } from "effect"

export type Outcome =
  | { readonly _tag: "Success"; readonly output: unknown }
  | { readonly _tag: "Failure"; readonly error: unknown }
  | { readonly _tag: "Pending" }

/** One connector call, in the order calls started. */
export interface CallRecord {
  readonly connector: string
  readonly action: string
  /** The action's kind as its connector defines it (or as the engine reported it). */
  kind: Connector.ActionKind | "unknown"
  /** The activity name: step path plus `[index]` for enrichments and array acts. */
  readonly step: string
  readonly input: unknown
  readonly idempotencyKey: string
  readonly attempt: number
  outcome: Outcome
}

export interface CallLog {
  readonly calls: Array<CallRecord>
}

export const makeLog = (): CallLog => ({ calls: [] })

const prefix = "@riposte/connector/"

/**
 * Real connectors run on the live clock (their timeouts, retries and rate limits wait real
 * time) while the engine stays on the test clock.
 */
const withLiveClock = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.flatMap(Clock.clockWith(Effect.succeed), (clock) => {
    const withLive = (clock as { withLive?: <X, Y>(e: Effect.Effect<X, Y>) => Effect.Effect<X, Y> }).withLive
    return withLive === undefined ? effect : withLive(effect)
  })

/** Wraps one implementation so that each call is logged before it runs and completed after. */
export const wrap = (
  impl: Connector.ImplementationShape,
  log: CallLog,
  kindOf: (action: string) => Connector.ActionKind | undefined = () => undefined,
  live = false,
): Connector.ImplementationShape => {
  type Handler = Connector.ImplementationShape["handlers"][string]
  const make =
    (action: string, handler: Handler): Handler =>
    (input, context) =>
      Effect.suspend(() => {
        const record: CallRecord = {
          connector: impl.connector,
          action,
          kind: kindOf(action) ?? "unknown",
          step: context.step,
          input,
          idempotencyKey: context.idempotencyKey,
          attempt: context.attempt,
          outcome: { _tag: "Pending" },
        }
        log.calls.push(record)
        return (live ? withLiveClock(handler(input, context)) : handler(input, context)).pipe(
          Effect.onExit((exit) =>
            Effect.sync(() => {
              if (Exit.isSuccess(exit)) record.outcome = { _tag: "Success", output: exit.value }
              else {
                const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
                record.outcome = {
                  _tag: "Failure",
                  error: fail?._tag === "Fail" ? fail.error : "defect or interruption",
                }
              }
            }),
          ),
        )
      })
  // A proxy, so implementations that answer any action (replay) stay complete when wrapped.
  const cache = new Map<string, Handler>()
  const handlers = new Proxy({} as Record<string, Handler>, {
    get: (_, action) => {
      if (typeof action !== "string") return undefined
      const handler = impl.handlers[action]
      if (handler === undefined) return undefined
      let wrapped = cache.get(action)
      if (wrapped === undefined) {
        wrapped = make(action, handler)
        cache.set(action, wrapped)
      }
      return wrapped
    },
  })
  return { connector: impl.connector, handlers }
}

/**
 * Builds connector layers and re-provides every connector implementation found in them
 * wrapped with the call log. Other services in the layers pass through unchanged.
 */
export const logged = <E>(
  connectors: Layer.Layer<never, E, never>,
  log: CallLog,
  kindOf: (connector: string, action: string) => Connector.ActionKind | undefined = () => undefined,
  live = false,
): Layer.Layer<never, E> =>
  Layer.effectContext(
    Effect.map(Layer.build(connectors), (context) => {
      const entries = [...context.mapUnsafe].map(([key, value]): [string, unknown] =>
        key.startsWith(prefix)
          ? [
              key,
              wrap(
                value as Connector.ImplementationShape,
                log,
                (a) => kindOf(key.slice(prefix.length), a),
                live,
              ),
            ]
          : [key, value],
      )
      return Context.makeUnsafe<never>(new Map(entries))
    }),
  )
