/**
 * Worker entry: a long-lived message loop that parses one message at a time off the main event
 * loop. The parent (internal/Pool.ts) sends one `Request` at a time, bounds each with a wall-clock
 * timeout (terminate) and the worker as a whole with `resourceLimits` (heap). Effect-free on
 * purpose: a small module graph keeps start-up cheap.
 */
import { parentPort } from "node:worker_threads"
import { extract } from "./Extract.ts"
import type { Request, Response } from "./Protocol.ts"

const port = parentPort
if (port === null) throw new Error("internal/worker runs as a node:worker_threads Worker")

const reply = (response: Response): void => port.postMessage(response)

// Output is discarded here, at the source: the parent never reads the worker's stdout/stderr
// (reading them would keep an idle worker's process alive), and unread writes of a long-lived
// worker would pile up in its heap.
const discard = (() => true) as typeof process.stdout.write
process.stdout.write = discard
process.stderr.write = discard

port.on("message", (request: Request) => {
  // extract never rejects: every failure is a Failure result. A throw here (e.g. a result that
  // cannot be cloned) crashes the worker, which the parent reports as WorkerCrashed.
  void extract(request.raw, request.limits).then((result) => reply({ _tag: "Done", id: request.id, result }))
})

// Imports are loaded: the parent starts the job's clock only now, so start-up is never billed
// to a message's timeoutMs.
reply({ _tag: "Ready" })
