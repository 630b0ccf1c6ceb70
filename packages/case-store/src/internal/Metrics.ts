/**
 * SLA metrics computed in SQL: durations (acknowledged/contained/resolved minus created) per
 * playbook and severity, with p50/p90 as linear-interpolated percentiles — `percentile_cont` on
 * Postgres, window functions (row_number/count) with the same interpolation on SQLite.
 */
import type { CaseModel, CaseStore } from "@riposte/core"
import { Effect } from "effect"
import type { SqlError } from "effect/sql"
import { type Kysely, type RawBuilder, sql } from "kysely"
import type * as Database from "../Database.ts"
import type * as Exec from "./Exec.ts"
import { num } from "./Rows.ts"

interface PercentileRow {
  readonly playbook: string
  readonly severity: string
  readonly metric: "mtta" | "mttc" | "mttr"
  readonly n: number | string
  readonly p50: number | string | null
  readonly p90: number | string | null
}

const durations = (from: number, to: number): RawBuilder<unknown> => {
  const one = (metric: string, column: string) => sql`
    select playbook, severity, ${sql.lit(metric)} as metric, ${sql.ref(column)} - created_at as v
    from riposte_cases
    where created_at >= ${from} and created_at < ${to} and merged_into is null and ${sql.ref(column)} is not null`
  return sql`${one("mtta", "acknowledged_at")} union all ${one("mttc", "contained_at")} union all ${one("mttr", "resolved_at")}`
}

const postgres = (from: number, to: number) => sql<PercentileRow>`
  with d as (${durations(from, to)})
  select playbook, severity, metric, count(*) as n,
    percentile_cont(0.5) within group (order by v) as p50,
    percentile_cont(0.9) within group (order by v) as p90
  from d group by playbook, severity, metric`

// SQLite has no percentile_cont: rank each duration in its group, pick the two neighbours of
// the fractional position (n - 1) * q and interpolate between them.
const sqlite = (from: number, to: number) => sql<PercentileRow>`
  with d as (${durations(from, to)}),
  r as (
    select playbook, severity, metric, v,
      row_number() over (partition by playbook, severity, metric order by v) - 1 as i,
      count(*) over (partition by playbook, severity, metric) as n
    from d
  ),
  k as (select r.*, (n - 1) * 0.5 as pos50, (n - 1) * 0.9 as pos90 from r),
  g as (
    select playbook, severity, metric, max(n) as n,
      max(case when i = cast(pos50 as integer) then v end) as lo50,
      max(case when i = cast(pos50 as integer) + (pos50 > cast(pos50 as integer)) then v end) as hi50,
      max(pos50 - cast(pos50 as integer)) as f50,
      max(case when i = cast(pos90 as integer) then v end) as lo90,
      max(case when i = cast(pos90 as integer) + (pos90 > cast(pos90 as integer)) then v end) as hi90,
      max(pos90 - cast(pos90 as integer)) as f90
    from k group by playbook, severity, metric
  )
  select playbook, severity, metric, n,
    lo50 + (hi50 - lo50) * f50 as p50,
    lo90 + (hi90 - lo90) * f90 as p90
  from g`

const empty: CaseStore.DurationStats = { count: 0, p50: null, p90: null }
/** Percentiles are milliseconds; drop floating-point noise below a microsecond. */
const ms = (v: number | string | null): number | null =>
  v === null ? null : Math.round(Number(v) * 1000) / 1000

export const compute = (
  exec: Exec.Exec,
  db: Kysely<Database.Database>,
  dialect: Database.Dialect,
  range: { readonly from: number; readonly to: number },
): Effect.Effect<ReadonlyArray<CaseStore.SlaMetrics>, SqlError.SqlError> =>
  Effect.gen(function* () {
    const { from, to } = range
    const counts = yield* exec(
      db
        .selectFrom("riposte_cases")
        .select(["playbook", "severity", db.fn.countAll<number | string>().as("cases")])
        .where("created_at", ">=", from)
        .where("created_at", "<", to)
        .where("merged_into", "is", null)
        .groupBy(["playbook", "severity"]),
    )
    const rows = yield* exec((dialect === "postgres" ? postgres : sqlite)(from, to).compile(db))
    const stats = new Map<string, CaseStore.DurationStats>()
    for (const r of rows) {
      stats.set(JSON.stringify([r.playbook, r.severity, r.metric]), {
        count: num(r.n),
        p50: ms(r.p50),
        p90: ms(r.p90),
      })
    }
    const get = (playbook: string, severity: string, metric: string) =>
      stats.get(JSON.stringify([playbook, severity, metric])) ?? empty
    return counts
      .map(
        (c): CaseStore.SlaMetrics => ({
          playbook: c.playbook,
          severity: c.severity as CaseModel.Severity,
          cases: num(c.cases),
          mtta: get(c.playbook, c.severity, "mtta"),
          mttc: get(c.playbook, c.severity, "mttc"),
          mttr: get(c.playbook, c.severity, "mttr"),
        }),
      )
      .sort((a, b) =>
        a.playbook < b.playbook
          ? -1
          : a.playbook > b.playbook
            ? 1
            : a.severity < b.severity
              ? -1
              : a.severity > b.severity
                ? 1
                : 0,
      )
  })
