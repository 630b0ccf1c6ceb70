/**
 * Prints a results file of `npm run bench` as a markdown table (docs/benchmarks.md):
 *
 *   npm run table -w bench -- results/<timestamp>.json
 */
import { readFileSync } from "node:fs"
import { type Row, table, type WorkloadResult } from "./Report.ts"

const file = process.argv[2]
if (file === undefined) throw new Error("usage: Table.ts <bench/results/….json>")
const results = (JSON.parse(readFileSync(file, "utf8")) as { results: ReadonlyArray<WorkloadResult> }).results
const rows: Array<Row> = results.flatMap((r) => r.rows)
console.log(table(rows, true))
for (const r of results) {
  console.log(`\n- ${r.workload} size: \`${JSON.stringify(r.size)}\``)
  if (r.profile) console.log(`- ${r.workload} counters: \`${JSON.stringify(r.profile)}\``)
}
