/**
 * The DBOS Transact baseline: the same 12 trivial steps as DBOS steps on the same Postgres.
 * DBOS is a process-wide singleton, so it is launched once per process.
 */
import { DBOS } from "@dbos-inc/dbos-sdk"
import { STEPS } from "./Fixtures.ts"
import { median, since } from "./Stats.ts"

export interface DbosNumbers {
  /** p50 of one sequential 12-step workflow, ms. */
  readonly runP50: number
  readonly sequentialPerSecond: number
  readonly concurrentPerSecond: number
}

/** Runs `total` workflows with at most `concurrency` in flight; returns workflows per second. */
export const pool = async (total: number, concurrency: number, one: (i: number) => Promise<unknown>) => {
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await one(next++)
    }),
  )
  return total / (since(start) / 1000)
}

export const measure = async (
  url: string,
  options: { readonly sequential: number; readonly concurrent: number; readonly repetitions: number },
): Promise<DbosNumbers> => {
  DBOS.setConfig({ name: "riposte-bench", systemDatabaseUrl: url, logLevel: "error" })
  const twelve = DBOS.registerWorkflow(
    async () => {
      let n = 0
      for (let i = 0; i < STEPS; i++) n = await DBOS.runStep(async () => n + 1, { name: `s${i}` })
      return n
    },
    { name: "twelve" },
  )
  await DBOS.launch()
  let seq = 0
  const once = async () => {
    const handle = await DBOS.startWorkflow(twelve, { workflowID: `dbos-${process.pid}-${seq++}` })()
    return handle.getResult()
  }
  try {
    for (let i = 0; i < 20; i++) await once()
    const p50s: Array<number> = []
    const seqRates: Array<number> = []
    const concRates: Array<number> = []
    for (let r = 0; r < options.repetitions; r++) {
      const times: Array<number> = []
      const start = performance.now()
      for (let i = 0; i < options.sequential; i++) {
        const t = performance.now()
        await once()
        times.push(since(t))
      }
      seqRates.push(options.sequential / (since(start) / 1000))
      p50s.push(median(times))
      concRates.push(await pool(options.concurrent, 16, once))
    }
    return {
      runP50: median(p50s),
      sequentialPerSecond: median(seqRates),
      concurrentPerSecond: median(concRates),
    }
  } finally {
    await DBOS.shutdown()
  }
}
