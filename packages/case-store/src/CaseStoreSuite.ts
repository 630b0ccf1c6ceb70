/**
 * The `CaseStore` contract suite now lives in `@riposte/testing`; this module re-exports it so
 * `@riposte/case-store/CaseStoreSuite` keeps working. `@riposte/testing` is an optional peer
 * dependency of the case store (needed only by tests that import the suite), so there is no
 * dependency cycle: `@riposte/testing` itself depends on `@riposte/core` only.
 *
 * @example
 * ```ts
 * CaseStoreSuite.suite("memory", CaseStoreMemory.layer)
 * ```
 * @since 0.1.0
 */
export * from "@riposte/testing/CaseStoreSuite"
