/**
 * Worker entry: parses one message off the main event loop. The parent bounds it with
 * `resourceLimits` (heap) and a wall-clock timeout (terminate). Effect-free on purpose: a
 * small module graph keeps the per-message start-up cost low.
 */
import { parentPort, workerData } from "node:worker_threads"
import type { Limits } from "../Limits.ts"
import { extract } from "./Extract.ts"

interface Job {
  readonly raw: Uint8Array
  readonly limits: Limits
}

const job = workerData as Job
const result = await extract(job.raw, job.limits)
parentPort?.postMessage(result)
