/**
 * A bounded pool of long-lived parser workers (`internal/worker.ts`). Plain callbacks, no Effect:
 * `EmailPool.ts` wraps `submit` in `Effect.callback`.
 *
 * Invariants:
 * - at most `size` workers exist at any time, counted from `new Worker` until their `exit` event
 *   (a worker being terminated still holds its isolate, so it still occupies a slot);
 * - a worker runs one job at a time, and only jobs whose `maxHeapMb` equals the heap it was
 *   created with (`resourceLimits` are fixed per worker);
 * - jobs are served first in, first out. When the oldest waiting job needs a heap no idle worker
 *   has and every slot is taken, one idle worker of another heap is retired to make room;
 * - a worker that times out, crashes, runs out of heap or whose caller was interrupted is
 *   terminated; only its own job fails. The slot is refilled on demand;
 * - idle workers are `unref()`ed (they never keep the process alive) and terminated after
 *   `idleTimeoutMs`.
 */
import { Worker } from "node:worker_threads"
import type { Reason } from "../EmailError.ts"
import type { Limits } from "../Limits.ts"
import type { ExtractResult } from "./Extract.ts"
import type { Request, Response } from "./Protocol.ts"

export interface PoolOptions {
  /** Maximum number of live workers. */
  readonly size: number
  /** An idle worker is terminated after this long; `Infinity` keeps idle workers. */
  readonly idleTimeoutMs: number
  /** The worker entry (resolved by the caller, which knows whether it runs from src or dist). */
  readonly workerUrl: () => URL
}

/** Counters for metrics and tests. */
export interface PoolStats {
  /** The configured maximum of live workers. */
  readonly size: number
  /** Live workers: starting, busy, idle or being terminated. */
  readonly workers: number
  /** Workers starting for or parsing a job (one job each). */
  readonly busy: number
  /** Jobs waiting for a worker. */
  readonly queued: number
  /** The highest `workers` ever observed. */
  readonly peakWorkers: number
  /** Workers started since the pool was created. */
  readonly spawned: number
}

interface Job {
  readonly id: number
  /** The caller's bytes: queued by reference, copied only when the job is posted to a worker. */
  readonly raw: Uint8Array
  readonly limits: Limits
  /** Cleared once the job is settled or cancelled: every job is answered at most once. */
  done: ((result: ExtractResult) => void) | undefined
  slot: Slot | undefined
}

interface Slot {
  readonly worker: Worker
  readonly heapMb: number
  state: "starting" | "busy" | "idle" | "exiting"
  job: Job | undefined
  timer: ReturnType<typeof setTimeout> | undefined
  readonly exited: Promise<void>
}

// setTimeout treats anything above 2^31 - 1 ms as 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1

const failure = (reason: Reason): ExtractResult => ({ _tag: "Failure", reason })
const crashed = (message: string): ExtractResult => failure({ _tag: "WorkerCrashed", message })

/** The `resourceLimits` a worker is created with: everything derives from `maxHeapMb`. */
export const resourceLimits = (heapMb: number) => ({
  maxOldGenerationSizeMb: heapMb,
  maxYoungGenerationSizeMb: Math.min(64, Math.max(4, Math.floor(heapMb / 8))),
  stackSizeMb: 4,
})

export class Pool {
  readonly #options: PoolOptions
  readonly #slots = new Set<Slot>()
  // A Set keeps insertion (FIFO) order and deletes a cancelled job in O(1).
  readonly #queue = new Set<Job>()
  #nextId = 0
  #peak = 0
  #spawned = 0
  #closed = false

  constructor(options: PoolOptions) {
    this.#options = options
  }

  /**
   * Queues one message. `done` is called exactly once unless the returned `cancel` runs first.
   * `cancel` drops a queued job, lets a still-starting worker become idle, and terminates a
   * worker already parsing the job (the promise resolves when that worker has exited).
   */
  submit(raw: Uint8Array, limits: Limits, done: (result: ExtractResult) => void): () => Promise<void> {
    const job: Job = { id: this.#nextId++, raw, limits, done, slot: undefined }
    if (this.#closed) {
      this.#settle(job, crashed("the email worker pool is closed"))
      return () => Promise.resolve()
    }
    this.#queue.add(job)
    this.#pump()
    return () => this.#cancel(job)
  }

  stats(): PoolStats {
    let busy = 0
    for (const slot of this.#slots) if (slot.job !== undefined) busy++
    return {
      size: this.#options.size,
      workers: this.#slots.size,
      busy,
      queued: this.#queue.size,
      peakWorkers: this.#peak,
      spawned: this.#spawned,
    }
  }

  /** Fails every pending job with `WorkerCrashed`, terminates every worker and waits for them. */
  close(): Promise<void> {
    this.#closed = true
    for (const job of this.#queue) this.#settle(job, crashed("the email worker pool is closed"))
    this.#queue.clear()
    const exits: Array<Promise<void>> = []
    for (const slot of this.#slots) {
      const job = slot.job
      slot.job = undefined
      if (job) this.#settle(job, crashed("the email worker pool is closed"))
      this.#retire(slot, true)
      exits.push(slot.exited)
    }
    return Promise.all(exits).then(() => undefined)
  }

  #pump(): void {
    while (!this.#closed) {
      const job = this.#queue.values().next().value
      if (job === undefined) return
      const heapMb = job.limits.maxHeapMb
      const idle = this.#find((s) => s.state === "idle" && s.heapMb === heapMb)
      if (idle) {
        this.#queue.delete(job)
        this.#assign(idle, job)
      } else if (this.#slots.size < this.#options.size) {
        this.#queue.delete(job)
        this.#spawn(job)
      } else {
        // Full. A worker already exiting frees a slot and pumps again; otherwise make room by
        // retiring an idle worker created for another heap. Else wait for a busy one to finish.
        const exiting = this.#find((s) => s.state === "exiting")
        if (exiting)
          exiting.worker.ref() // an idle-timeout exit must not let the process end now
        else {
          const other = this.#find((s) => s.state === "idle")
          if (other) this.#retire(other, true)
        }
        return
      }
    }
  }

  #find(predicate: (slot: Slot) => boolean): Slot | undefined {
    for (const slot of this.#slots) if (predicate(slot)) return slot
    return undefined
  }

  #spawn(job: Job): void {
    const heapMb = job.limits.maxHeapMb
    let worker: Worker
    try {
      worker = new Worker(this.#options.workerUrl(), {
        resourceLimits: resourceLimits(heapMb),
        // Captured, never read (the worker discards its own output): parsing hostile mail never
        // writes to our stdout. Reading these streams would keep the process alive.
        stdout: true,
        stderr: true,
      })
    } catch (e) {
      this.#settle(job, crashed(String((e as Error)?.message ?? e)))
      return
    }
    let exited!: () => void
    const slot: Slot = {
      worker,
      heapMb,
      state: "starting",
      job,
      timer: undefined,
      exited: new Promise<void>((resolve) => {
        exited = resolve
      }),
    }
    job.slot = slot
    this.#slots.add(slot)
    this.#spawned++
    this.#peak = Math.max(this.#peak, this.#slots.size)
    worker.on("message", (response: Response) => this.#onMessage(slot, response))
    worker.on("messageerror", (e: Error) => this.#onError(slot, e))
    // Uncaught exceptions and ERR_WORKER_OUT_OF_MEMORY; `exit` follows.
    worker.on("error", (e: Error) => this.#onError(slot, e))
    worker.once("exit", (code: number) => {
      this.#clearTimer(slot)
      slot.state = "exiting"
      this.#slots.delete(slot)
      const job = slot.job
      slot.job = undefined
      if (job) this.#settle(job, crashed(`worker exited with code ${code}`))
      exited()
      this.#pump()
    })
  }

  #onMessage(slot: Slot, response: Response): void {
    if (response._tag === "Ready") {
      if (slot.state !== "starting") return
      const job = slot.job
      if (job) this.#post(slot, job)
      else this.#idle(slot) // its job was cancelled while the worker started
      return
    }
    const job = slot.job
    if (slot.state !== "busy" || job === undefined || job.id !== response.id) return
    this.#clearTimer(slot)
    slot.job = undefined
    job.slot = undefined
    this.#idle(slot)
    this.#settle(job, response.result)
  }

  #onError(slot: Slot, e: Error): void {
    const job = slot.job
    slot.job = undefined
    this.#retire(slot, true)
    if (job) this.#settle(job, crashed(e.message))
  }

  #assign(slot: Slot, job: Job): void {
    this.#clearTimer(slot)
    slot.worker.ref()
    slot.job = job
    job.slot = slot
    this.#post(slot, job)
  }

  #post(slot: Slot, job: Job): void {
    slot.state = "busy"
    // An exact-length copy whose buffer is ours to transfer: the caller keeps its bytes intact,
    // and a view into a larger buffer (Buffer pool, subarray) never ships the rest of it.
    const raw = new Uint8Array(job.raw)
    const request: Request = { id: job.id, raw, limits: job.limits }
    try {
      slot.worker.postMessage(request, [raw.buffer])
    } catch (e) {
      this.#onError(slot, e as Error)
      return
    }
    const timeoutMs = job.limits.timeoutMs
    slot.timer = setTimeout(
      () => {
        slot.timer = undefined
        if (slot.job !== job) return
        slot.job = undefined
        this.#retire(slot, true)
        this.#settle(job, failure({ _tag: "Timeout", timeoutMs }))
      },
      Math.min(timeoutMs, MAX_TIMER_MS),
    )
  }

  #idle(slot: Slot): void {
    slot.state = "idle"
    // Idle workers never keep the process alive.
    slot.worker.unref()
    this.#pump()
    if (slot.state === "idle" && Number.isFinite(this.#options.idleTimeoutMs)) {
      slot.timer = setTimeout(
        () => {
          slot.timer = undefined
          if (slot.state === "idle") this.#retire(slot, false)
        },
        Math.min(this.#options.idleTimeoutMs, MAX_TIMER_MS),
      )
      slot.timer.unref()
    }
  }

  /**
   * Terminates a worker; its slot is freed on `exit`. `keepAlive` re-refs it so a job waiting for
   * the slot (or a caller awaiting the exit) is not abandoned by an event loop that runs dry.
   */
  #retire(slot: Slot, keepAlive: boolean): void {
    if (slot.state === "exiting") return
    slot.state = "exiting"
    this.#clearTimer(slot)
    if (keepAlive) slot.worker.ref()
    void slot.worker.terminate()
  }

  #cancel(job: Job): Promise<void> {
    job.done = undefined
    if (this.#queue.delete(job)) return Promise.resolve()
    const slot = job.slot
    if (slot === undefined || slot.job !== job) return Promise.resolve()
    slot.job = undefined
    job.slot = undefined
    // A starting worker has not seen the job: it becomes idle when ready.
    if (slot.state === "starting") return Promise.resolve()
    this.#retire(slot, true)
    return slot.exited
  }

  #clearTimer(slot: Slot): void {
    if (slot.timer !== undefined) clearTimeout(slot.timer)
    slot.timer = undefined
  }

  #settle(job: Job, result: ExtractResult): void {
    const done = job.done
    job.done = undefined
    job.slot = undefined
    done?.(result)
  }
}
