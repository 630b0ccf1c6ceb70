/**
 * @riposte/case-store — the incident record over SQL (SQLite, Postgres) through the Effect
 * `SqlClient`, with kysely as the typed query builder.
 *
 * @since 0.1.0
 */
export * as CaseRender from "./CaseRender.ts"
export * as Database from "./Database.ts"
export * as Migrations from "./Migrations.ts"
export * as SqlCaseStore from "./SqlCaseStore.ts"
