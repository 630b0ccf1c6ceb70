/**
 * @riposte/testing — playbooks as unit-tested TypeScript: typed mocks and scripted approvals on
 * the in-memory engine, record and replay, property-based invariants, and the contract suites
 * every connector and case store passes.
 *
 * @since 0.1.0
 */
export * as Approval from "./Approval.ts"
export * as CaseStoreSuite from "./CaseStoreSuite.ts"
export * as Check from "./Check.ts"
export * as ConnectorContract from "./ConnectorContract.ts"
export * as Invariants from "./Invariants.ts"
export * as LineDiff from "./LineDiff.ts"
export * as Mock from "./Mock.ts"
export * as Recording from "./Recording.ts"
export * as Test from "./Test.ts"
export * from "./TestError.ts"
