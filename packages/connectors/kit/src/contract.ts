/**
 * `@riposte/connector-kit/contract`: the connector contract suite (depends on vitest).
 *
 * @since 0.1.0
 */
export * as ConnectorContract from "./ConnectorContract.ts"
