/**
 * Where a workload's CPU time went: self time in the V8 `.cpuprofile`s of one process
 * (`BENCH_CPU_PROFILE=1`: one file per thread) grouped by where the code lives (Effect, a
 * Riposte package, node:sqlite, GC …), the main thread apart from worker threads.
 *
 *   node --conditions=@riposte/source bench/src/ProfileSummary.ts <directory>
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

interface Frame {
  readonly functionName: string
  readonly url: string
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: Frame
  readonly children?: ReadonlyArray<number>
}
interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/**
 * V8 charges time in a native (C++) function to the JS function calling it. node:sqlite's
 * statements are called through the bench's counting wrapper (Db.ts `sqliteCounter`), so that
 * file's self time is SQLite's: statements and each COMMIT's fsync.
 */
const SQLITE = "node:sqlite (native: statements, COMMIT fsync)"

const place = (frame: Frame, parent: string | undefined): string => {
  const { functionName: fn, url } = frame
  if (url === "") {
    if (fn === "(garbage collector)") return "V8 garbage collector"
    if (fn === "(idle)") return "idle (waiting for I/O or timers)"
    if (fn === "(program)") return "V8 / native (program)"
    if (fn === "(root)") return "root"
    return parent === undefined ? `native ${fn}` : `${parent} (native calls)`
  }
  if (url.startsWith("wasm://")) return "WebAssembly"
  if (url.endsWith("/bench/src/Db.ts")) return SQLITE
  const path = url.replace(/^file:\/\//, "")
  const riposte = /\/(packages\/(?:connectors\/)?[^/]+|examples\/[^/]+|bench)\//.exec(path)
  if (riposte && !path.includes("node_modules")) return `riposte ${riposte[1]}`
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)
  if (module) return module[1] === "effect" ? "effect (runtime, Schema, sql)" : `npm ${module[1]}`
  if (path.startsWith("node:internal/")) return `Node ${path.split("/").slice(0, 2).join("/")}`
  if (path.startsWith("node:")) return `Node ${path}`
  return "other JS"
}

/** Self time in microseconds per place, over the given profiles. */
const selfTime = (files: ReadonlyArray<string>): Map<string, number> => {
  const micros = new Map<string, number>()
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile
    for (const [where, us] of selfTimeOf(profile)) micros.set(where, (micros.get(where) ?? 0) + us)
  }
  return micros
}

const selfTimeOf = (profile: CpuProfile): Map<string, number> => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parentOf = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id)
  const placeOf = new Map<number, string>()
  const resolve = (id: number): string => {
    const known = placeOf.get(id)
    if (known !== undefined) return known
    const node = byId.get(id)!
    const parentId = parentOf.get(id)
    // The nearest ancestor with a url names whom a native frame works for.
    let parent: string | undefined
    for (let p = parentId; p !== undefined; p = parentOf.get(p)) {
      const pn = byId.get(p)!
      if (pn.callFrame.url !== "") {
        parent = place(pn.callFrame, undefined)
        break
      }
    }
    const where = place(node.callFrame, parent)
    placeOf.set(id, where)
    return where
  }
  const micros = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const where = resolve(id)
    micros.set(where, (micros.get(where) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  return micros
}

const IDLE = "idle (waiting for I/O or timers)"

const render = (label: string, micros: Map<string, number>, top: number): Array<string> => {
  let total = 0
  for (const us of micros.values()) total += us
  const busy = total - (micros.get(IDLE) ?? 0)
  if (busy <= 0) return []
  return [
    `    ${label}: busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s (share of busy time):`,
    ...[...micros.entries()]
      .filter(([where]) => where !== IDLE)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => `    ${((us / busy) * 100).toFixed(1).padStart(7)} %  ${where}`),
  ]
}

/**
 * Summarises the profiles in `directory`: Node names them
 * `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`; thread 0 is a process's main thread.
 */
export const summarize = (directory: string, top = 12): string => {
  const files = readdirSync(directory).filter((f) => f.endsWith(".cpuprofile"))
  const thread = (f: string) => Number(f.split(".")[4])
  const main = files.filter((f) => thread(f) === 0).map((f) => join(directory, f))
  const workers = files.filter((f) => thread(f) !== 0).map((f) => join(directory, f))
  return [
    ...render(`main thread${main.length > 1 ? `s (${main.length} processes)` : ""}`, selfTime(main), top),
    ...render(`worker threads (${workers.length})`, selfTime(workers), 6),
  ].join("\n")
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const directory = process.argv[2]
  if (directory === undefined) throw new Error("usage: ProfileSummary.ts <directory of .cpuprofile files>")
  console.log(summarize(directory))
}
