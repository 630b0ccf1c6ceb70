/**
 * Statistics, the machine and the versions every workload prints next to its numbers.
 */
import { readFileSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"

/** The q-quantile (0..1) of the samples (nearest rank); NaN when empty. */
export const quantile = (samples: ReadonlyArray<number>, q: number): number => {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export const median = (samples: ReadonlyArray<number>): number => quantile(samples, 0.5)

/** Runs `f` `times` times (at least 3) and returns the median of its results. */
export const medianOf = async (times: number, f: (i: number) => Promise<number>): Promise<number> => {
  const results: Array<number> = []
  for (let i = 0; i < Math.max(3, times); i++) results.push(await f(i))
  return median(results)
}

/** Milliseconds since `start` (performance.now()). */
export const since = (start: number): number => performance.now() - start

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Heap used after three forced collections (the process must run with --expose-gc). */
export const heapAfterGc = (): number => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run with --expose-gc")
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

export interface Machine {
  readonly cpus: number
  readonly cpuModel: string
  readonly memoryGiB: number
  readonly platform: string
  readonly node: string
  /** 1-minute load average when the workload started: other processes share the cores. */
  readonly loadAverage: number
}

export const machine = (): Machine => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  platform: `${process.platform} ${process.arch}`,
  node: process.version,
  loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
})

const root = new URL("../../node_modules/", import.meta.url)

const versionOf = (pkg: string): string => {
  try {
    return (JSON.parse(readFileSync(new URL(`${pkg}/package.json`, root), "utf8")) as { version: string })
      .version
  } catch {
    return "unknown"
  }
}

export const versions = (): Record<string, string> => {
  const names = [
    "effect",
    "@effect/sql-pg",
    "@riposte/core",
    "@riposte/runtime",
    "@riposte/case-store",
    "@riposte/sql-sqlite",
    "@riposte/simulators",
    "@dbos-inc/dbos-sdk",
    "pg",
    "kysely",
  ]
  return { node: process.version, ...Object.fromEntries(names.map((n) => [n, versionOf(n)])) }
}
