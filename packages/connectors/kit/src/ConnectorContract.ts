/**
 * The connector contract suite now lives in `@riposte/testing`; this module re-exports it so
 * `@riposte/connector-kit/contract` keeps working. `@riposte/testing` is an optional peer
 * dependency of the kit (needed only by tests that import the contract), so the kit's runtime
 * has no dependency on the testing kit and there is no cycle.
 *
 * @since 0.1.0
 */
export * from "@riposte/testing/ConnectorContract"
