/**
 * Durable Riposte engines: embedded SQLite, Postgres, several runners (effect/cluster).
 *
 * @since 0.1.0
 */
export * as Durable from "./Durable.ts"
export * as DurableError from "./DurableError.ts"
export * as DurableRiposte from "./DurableRiposte.ts"
export { createDurableRiposte } from "./DurableRiposte.ts"
export * as KillSwitch from "./KillSwitch.ts"
export * as Runtime from "./Runtime.ts"
