/**
 * `npm run bench`: runs W1–W7, each in its own child process, prints one table and writes
 * bench/results/<timestamp>.json. `BENCH_QUICK=1` scales the big workloads down;
 * `BENCH_ONLY=W2,W5` runs a subset. `BENCH_CPU_PROFILE=1` writes a V8 CPU profile of each
 * workload's process under bench/results/profiles/ and prints where its time went.
 */
import { spawn } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { summarize } from "./ProfileSummary.ts"
import { type Row, table, type WorkloadResult } from "./Report.ts"
import { machine, versions } from "./Stats.ts"

const quick = process.env.BENCH_QUICK === "1"
const all = ["W1", "W2", "W3", "W4", "W5", "W6", "W7"] as const
type Id = (typeof all)[number]

const load = async (id: Id): Promise<{ run: (quick: boolean) => Promise<WorkloadResult> }> => {
  switch (id) {
    case "W1":
      return import("./W1Overhead.ts")
    case "W2":
      return import("./W2Durable.ts")
    case "W3":
      return import("./W3Phishing.ts")
    case "W4":
      return import("./W4FanOut.ts")
    case "W5":
      return import("./W5Parked.ts")
    case "W6":
      return import("./W6CaseStore.ts")
    case "W7":
      return import("./W7Crash.ts")
  }
}

const self = fileURLToPath(import.meta.url)
const profiles =
  process.env.BENCH_CPU_PROFILE === "1"
    ? fileURLToPath(
        new URL(`../results/profiles/${new Date().toISOString().replace(/[:.]/g, "-")}/`, import.meta.url),
      )
    : undefined

/** Runs one workload in a fresh child process (isolation: memory, GC, statement counters). */
const inChild = (id: Id): Promise<WorkloadResult> =>
  new Promise((resolve, reject) => {
    const out = join(tmpdir(), `riposte-bench-${id}-${process.pid}.json`)
    const profiling = profiles === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${join(profiles, id)}`]
    const child = spawn(process.execPath, [...process.execArgv, ...profiling, self], {
      env: { ...process.env, BENCH_CHILD: id, BENCH_OUT: out },
      stdio: ["ignore", "inherit", "inherit"],
    })
    child.on("error", reject)
    child.on("exit", (code, signal) => {
      if (code !== 0) return reject(new Error(`${id} exited with ${code ?? signal}`))
      const result = JSON.parse(readFileSync(out, "utf8")) as WorkloadResult
      rmSync(out, { force: true })
      resolve(result)
    })
  })

const child = process.env.BENCH_CHILD as Id | undefined
if (child !== undefined) {
  const result = await (await load(child)).run(quick)
  writeFileSync(process.env.BENCH_OUT!, JSON.stringify(result))
  process.exit(0)
}

const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim().toUpperCase())
const selected = all.filter((id) => only === undefined || only.includes(id))
const started = Date.now()
const info = { machine: machine(), versions: versions(), quick, startedAt: new Date().toISOString() }
console.log(
  `riposte bench ${quick ? "(BENCH_QUICK=1) " : ""}on ${info.machine.cpus} × ${info.machine.cpuModel}, ` +
    `${info.machine.memoryGiB} GiB, ${info.machine.platform}`,
)
console.log(
  `versions: ${Object.entries(info.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}`,
)
const results: Array<WorkloadResult> = []
const failures: Array<string> = []
for (const id of selected) {
  const t = Date.now()
  console.log(`\n▶ ${id} …`)
  try {
    const result = await inChild(id)
    results.push(result)
    console.log(`${table(result.rows)}`)
    console.log(`  size: ${JSON.stringify(result.size)}`)
    if (result.profile) console.log(`  profile: ${JSON.stringify(result.profile)}`)
    if (profiles !== undefined)
      console.log(`  CPU profiles in ${join(profiles, id)}:\n${summarize(join(profiles, id))}`)
    console.log(`  ${id} took ${((Date.now() - t) / 1000).toFixed(1)} s`)
  } catch (error) {
    failures.push(`${id}: ${String(error)}`)
    console.error(`✘ ${id} failed: ${String(error)}`)
  }
}
const rows: Array<Row> = results.flatMap((r) => r.rows)
console.log(`\n${"═".repeat(40)} summary ${"═".repeat(40)}\n${table(rows)}`)
const seconds = (Date.now() - started) / 1000
console.log(`\ntotal ${seconds.toFixed(0)} s${failures.length ? `; FAILED: ${failures.join("; ")}` : ""}`)
const dir = fileURLToPath(new URL("../results/", import.meta.url))
mkdirSync(dir, { recursive: true })
const file = join(dir, `${info.startedAt.replace(/[:.]/g, "-")}${quick ? "-quick" : ""}.json`)
writeFileSync(file, `${JSON.stringify({ ...info, seconds, failures, results }, null, 2)}\n`)
console.log(`results: ${file}`)
if (failures.length > 0) process.exit(1)
