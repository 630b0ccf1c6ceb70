/**
 * A durable `WorkflowEngine` (effect/workflow) over an Effect `SqlClient`: SQLite or Postgres.
 *
 * - **One row per activity.** An activity's result is one `INSERT` in its own commit, or in the
 *   same transaction as the activity's writes when the activity is annotated
 *   `ClusterSchema.WithTransaction` (its `execute` then runs inside the transaction) or carries
 *   a {@link CommitWith} hook (its `execute` runs outside any transaction, the hook inside).
 * - **Nothing in memory for a parked run.** A run that suspends (approval gate, durable clock,
 *   child run) writes its state and is dropped from memory at once; the next completion of one of
 *   its deferreds, its clock, or `resume` loads its journal in one query and replays it.
 * - **Clocks live in the database.** The engine keeps only the next wake-up time in memory and
 *   sleeps until then; an idle engine with parked runs issues no queries.
 * - **Restart.** Runs that were running when the process stopped are replayed when their workflow
 *   is registered; a completed activity never runs again, one in flight runs again
 *   (at-least-once: destructive receivers need an idempotency key).
 *
 * One engine process per database: this engine does not coordinate several processes (use
 * effect/cluster's engine for that).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { SqliteClient } from "@riposte/sql-sqlite"
 * import { SqlWorkflowEngine } from "@riposte/workflow-sql"
 *
 * const engine = SqlWorkflowEngine.layer().pipe(
 *   Layer.provideMerge(SqliteClient.layer({ filename: "./data/journal.db" })),
 * )
 * const app = MyWorkflowLayer.pipe(Layer.provide(engine))
 * ```
 *
 * @since 0.1.0
 */
import {
  Cause,
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Schema,
  Scope,
} from "effect"
import { ClusterSchema } from "effect/cluster"
import { SqlClient, type SqlError } from "effect/sql"
import { Activity, DurableClock, Workflow, WorkflowEngine } from "effect/workflow"
import { decodeExit, encodeExit, type WorkflowCodec, workflowCodec } from "./internal/Codec.ts"
import * as Store from "./internal/Store.ts"

/**
 * Activity annotation: an effect run inside the transaction that journals the activity's result,
 * after `execute` ran outside any transaction. It receives the activity's exit (decoded). Use it
 * for the activity's own records, e.g. the case row of a connector call: they commit exactly once,
 * together with the journal entry, and no transaction is held during the call itself.
 *
 * Engines that do not honour it ignore it: check {@link SupportsCommitWith} first.
 *
 * @example
 * ```ts
 * const call = Activity.make({ name: "lookup", success: Verdict, execute: lookup(ip) }).annotate(
 *   SqlWorkflowEngine.CommitWith,
 *   (exit) => Exit.isSuccess(exit) ? store.addVerdict(exit.value) : Effect.void,
 * )
 * ```
 *
 * @since 0.1.0
 */
export const CommitWith = Context.Reference<
  ((exit: Exit.Exit<unknown, unknown>) => Effect.Effect<void, unknown, any>) | undefined
>("@riposte/workflow-sql/CommitWith", { defaultValue: () => undefined })

/**
 * `true` inside workflow runs of an engine that honours {@link CommitWith}.
 *
 * @since 0.1.0
 */
export const SupportsCommitWith = Context.Reference<boolean>("@riposte/workflow-sql/SupportsCommitWith", {
  defaultValue: () => false,
})

/**
 * What the engine holds in memory, for metrics and tests.
 *
 * @since 0.1.0
 */
export class Inspect extends Context.Service<
  Inspect,
  {
    /** Executions in memory (loading, running or settling); parked and completed runs are not. */
    readonly runsInMemory: () => number
    /** Callers waiting for an execution to complete. */
    readonly completionWaiters: () => number
  }
>()("@riposte/workflow-sql/Inspect") {}

/**
 * Options of {@link layer}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Prefix of the engine's four tables. Default `"riposte_wf_"`. */
  readonly tablePrefix?: string | undefined
  /**
   * Runs loaded from the database (woken parked runs, runs recovered after a restart) that may
   * be in memory at once; further wake-ups wait their turn. Default 1,000.
   */
  readonly maxWokenRuns?: number | undefined
  /**
   * Longest sleep of the clock scheduler without reading the next wake-up time from the
   * database. Clocks scheduled by this engine wake it at once; this bounds how late a clock
   * written by another process is noticed. Default 1 minute.
   */
  readonly clockPollInterval?: Duration.Input | undefined
}

type WakeMode = "explicit" | "automatic"

interface Registered {
  readonly workflow: Workflow.Any
  readonly execute: (
    payload: object,
    executionId: string,
  ) => Effect.Effect<unknown, unknown, WorkflowEngine.WorkflowInstance | WorkflowEngine.WorkflowEngine>
  readonly scope: Scope.Scope
  readonly codec: WorkflowCodec
}

interface ParentRef {
  readonly workflow: string
  readonly executionId: string
}

/** An execution in memory: loading, running or settling. Dropped when it parks or completes. */
interface Run {
  readonly executionId: string
  entry: Registered | undefined
  payload: object | undefined
  parent: ParentRef | undefined
  readonly activities: Map<string, Exit.Exit<unknown, unknown>>
  readonly deferreds: Map<string, Exit.Exit<unknown, unknown>>
  readonly clocks: Set<string>
  wakeSeq: number
  interrupted: boolean
  interruptedUnsafe: boolean
  wake: WakeMode | undefined
  instance: WorkflowEngine.WorkflowInstance["Service"] | undefined
  /** Every instance of this activation (replays), abandoned together when it parks. */
  readonly instances: Set<WorkflowEngine.WorkflowInstance["Service"]>
  fiber: Fiber.Fiber<unknown, unknown> | undefined
  /** Completed with the result once the run completes or parks (evicted). */
  readonly outcome: Deferred.Deferred<Workflow.Result<unknown, unknown>>
  /** Finalizers of this activation's runs. */
  readonly scope: Scope.Closeable
  /** Releases the wake-up permit when this run was loaded from the database. */
  release: (() => void) | undefined
}

const InterruptSignalName = "Workflow/InterruptSignal"

const newRun = (executionId: string): Run => ({
  executionId,
  entry: undefined,
  payload: undefined,
  parent: undefined,
  activities: new Map(),
  deferreds: new Map(),
  clocks: new Set(),
  wakeSeq: 0,
  interrupted: false,
  interruptedUnsafe: false,
  wake: undefined,
  instance: undefined,
  instances: new Set(),
  fiber: undefined,
  outcome: Deferred.makeUnsafe(),
  scope: Scope.makeUnsafe(),
  release: undefined,
})

const requestWake = (run: Run, mode: WakeMode) => {
  run.wake = mode === "explicit" ? "explicit" : (run.wake ?? "automatic")
}

/**
 * Builds the engine over the `SqlClient` in context, creating its tables if needed.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function* (options: Options = {}) {
  const sql = yield* SqlClient.SqlClient
  const engineScope = yield* Effect.scope
  const store = Store.make(sql, options.tablePrefix ?? "riposte_wf_")
  yield* migrate(sql, store)
  const clockPoll = Duration.toMillis(Duration.fromInputUnsafe(options.clockPollInterval ?? "1 minute"))
  const wakeGate = gate(Math.max(1, options.maxWokenRuns ?? 1000))

  const workflows = new Map<string, Registered>()
  const active = new Map<string, Run>()
  const completionWaiters = new Map<string, Set<() => void>>()
  const deferredState = WorkflowEngine.makeDeferredState()

  const now = Clock.currentTimeMillis

  const forkDaemon = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.asVoid(Effect.forkIn(Effect.catchCause(effect, logDefect), engineScope))

  const notifyComplete = (executionId: string) => {
    const waiters = completionWaiters.get(executionId)
    if (waiters === undefined) return
    completionWaiters.delete(executionId)
    for (const waiter of waiters) waiter()
  }

  // -------------------------------------------------------------------------------------------
  // Running and settling
  // -------------------------------------------------------------------------------------------

  /**
   * Drops a run from memory. A parked run's instances are abandoned first, so durable
   * finalizers (compensations) registered by its replays do not run: they are registered again
   * by the replay that finishes the run.
   */
  const evict = (run: Run, parked: boolean) =>
    Effect.suspend(() => {
      if (active.get(run.executionId) === run) active.delete(run.executionId)
      const release = run.release
      run.release = undefined
      release?.()
      if (parked) for (const instance of run.instances) instance.abandoned = true
      run.instances.clear()
      return Scope.close(run.scope, Exit.void)
    })

  const start = (run: Run): Effect.Effect<void> =>
    Effect.suspend(() => {
      const entry = run.entry!
      const instance = WorkflowEngine.WorkflowInstance.initial(entry.workflow, run.executionId, {
        scope: Scope.forkUnsafe(run.scope),
      })
      run.instance = instance
      run.instances.add(instance)
      run.wake = undefined
      const body = entry.execute(run.payload!, run.executionId).pipe(
        Effect.provideService(SupportsCommitWith, true),
        Effect.onExit((exit) => {
          // Mirrors the in-memory engine: a safe interrupt takes effect when the run would
          // suspend; an unsafe one also survives a replay that completes normally.
          if (
            !run.interrupted ||
            (!run.interruptedUnsafe &&
              !instance.suspended &&
              !instance.abandoned &&
              !(
                Context.get(instance.workflow.annotations, Workflow.SuspendOnFailure) && Exit.isFailure(exit)
              ))
          ) {
            return Effect.void
          }
          instance.interrupted = true
          instance.suspended = false
          return Effect.withFiber((fiber) => Effect.interruptible(Fiber.interrupt(fiber)))
        }),
        Workflow.intoResult,
        Effect.provideService(WorkflowEngine.WorkflowEngine, engine),
        (effect) => deferredState.trackRun(instance, effect),
      )
      // The body runs in a child fiber: a completion that preempts it (interrupting that fiber)
      // leaves this supervisor free to record the suspension and replay.
      const supervised = Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(body, { startImmediately: true })
        const exit = yield* Fiber.await(fiber)
        if (Exit.isSuccess(exit)) return yield* settle(run, exit.value)
        if (Cause.hasInterruptsOnly(exit.cause) && instance.suspended && !instance.abandoned)
          return yield* settle(run, new Workflow.Suspended({}))
        return yield* Effect.failCause(exit.cause)
      }).pipe(Effect.catchCause((cause) => Effect.andThen(logDefect(cause), evict(run, true))))
      return Effect.map(Effect.forkIn(supervised, entry.scope), (fiber) => {
        run.fiber = fiber
      })
    })

  /** What happens after a run's body stopped: record the outcome, replay at once, or park. */
  const settle = (
    run: Run,
    result: Workflow.Result<unknown, unknown>,
  ): Effect.Effect<void, SqlError.SqlError> =>
    Effect.gen(function* () {
      const entry = run.entry!
      if (result._tag === "Complete") {
        const parent = run.parent?.executionId
        const parentSeq = yield* store.complete(
          run.executionId,
          entry.codec.encodeResult(result),
          yield* now,
          parent,
        )
        yield* evict(run, false)
        yield* Deferred.succeed(run.outcome, result)
        notifyComplete(run.executionId)
        if (parent !== undefined) yield* resumeParent(parent, parentSeq)
        return
      }
      const wakeable = () => run.wake === "explicit" || (run.wake !== undefined && result.failed !== true)
      if (wakeable()) return yield* start(run)
      const parked = yield* store.suspend(
        run.executionId,
        result.failed === true,
        entry.codec.encodeResult(result),
        run.wakeSeq,
        yield* now,
      )
      if (!parked) {
        // A completion was stored after this run last looked: reload the deferreds and replay.
        const row = yield* store.execution(run.executionId)
        for (const d of yield* store.deferreds(run.executionId))
          if (!run.deferreds.has(d.name)) run.deferreds.set(d.name, decodeExit(d.exit))
        if (row !== undefined) run.wakeSeq = row.wakeSeq
        if (row === undefined || row.state !== "running") {
          yield* evict(run, true)
          return yield* Deferred.succeed(run.outcome, result)
        }
        return yield* start(run)
      }
      if (wakeable()) return yield* start(run)
      yield* evict(run, true)
      yield* Deferred.succeed(run.outcome, result)
    })

  /**
   * Loads an execution from the database into memory and runs it, unless it is already in
   * memory (then it only asks for a replay when the current run stops) or has nothing to do.
   */
  const wake = (executionId: string, mode: WakeMode): Effect.Effect<void, SqlError.SqlError> =>
    Effect.suspend(() => {
      const existing = active.get(executionId)
      if (existing !== undefined) {
        requestWake(existing, mode)
        return Effect.void
      }
      const run = newRun(executionId)
      active.set(executionId, run)
      return wakeGate.acquire.pipe(
        Effect.andThen(
          Effect.suspend(() => {
            run.release = wakeGate.release
            return load(run)
          }),
        ),
        Effect.onError(() => evict(run, true)),
      )
    })

  /** Fills `run` from its rows and starts it; evicts it when there is nothing to run. */
  const load = (run: Run): Effect.Effect<void, SqlError.SqlError> =>
    Effect.gen(function* () {
      const row = yield* store.execution(run.executionId)
      const entry = row === undefined ? undefined : workflows.get(row.workflow)
      if (row === undefined || entry === undefined || row.state !== "running") {
        yield* evict(run, true)
        if (row !== undefined && entry !== undefined && row.result !== null)
          yield* Deferred.succeed(run.outcome, entry.codec.decodeResult(row.result))
        return
      }
      const journal = yield* store.journal(run.executionId)
      run.entry = entry
      run.payload = entry.codec.decodePayload(row.payload)
      run.parent = row.parent === null ? undefined : (JSON.parse(row.parent) as ParentRef)
      run.wakeSeq = row.wakeSeq
      run.interrupted = row.interrupted
      for (const a of journal.activities) run.activities.set(a.key, decodeExit(a.exit))
      // Stored completions win over ones that arrived in memory while loading (first wins).
      for (const d of journal.deferreds) run.deferreds.set(d.name, decodeExit(d.exit))
      for (const c of journal.clocks) run.clocks.add(c)
      yield* start(run)
    })

  // -------------------------------------------------------------------------------------------
  // Activities
  // -------------------------------------------------------------------------------------------

  const runActivity = (
    run: Run,
    instance: WorkflowEngine.WorkflowInstance["Service"],
    activity: Activity.Any,
    attempt: number,
    key: string,
  ): Effect.Effect<Workflow.Result<unknown, unknown>, unknown, any> => {
    const activityInstance = WorkflowEngine.WorkflowInstance.initial(instance.workflow, instance.executionId)
    activityInstance.interrupted = instance.interrupted
    const execute = activity.executeEncoded.pipe(
      Workflow.intoResult,
      Effect.provideService(WorkflowEngine.WorkflowInstance, activityInstance),
      Effect.provideService(Activity.CurrentAttempt, attempt),
    ) as Effect.Effect<Workflow.Result<unknown, unknown>, unknown, any>
    const journal = (result: Workflow.Result<unknown, unknown>) =>
      result._tag === "Complete"
        ? store.insertActivity(run.executionId, key, encodeExit(result.exit))
        : Effect.void
    const journalAlone = (result: Workflow.Result<unknown, unknown>) => store.write(journal(result))
    const remember = (result: Workflow.Result<unknown, unknown>) =>
      Effect.sync(() => {
        if (result._tag === "Complete") run.activities.set(key, result.exit)
        return result
      })
    if (Context.get(activity.annotations, ClusterSchema.WithTransaction)) {
      return sql.withTransaction(Effect.tap(execute, journal)).pipe(Effect.flatMap(remember))
    }
    const hook = Context.get(activity.annotations, CommitWith)
    if (hook === undefined) return Effect.tap(execute, journalAlone).pipe(Effect.flatMap(remember))
    const decode = Schema.decodeEffect(
      (activity as unknown as Activity.AnyWithProps & Activity.Activity<any, any>).exitSchemaPartial,
    )
    return Effect.flatMap(execute, (result) =>
      result._tag !== "Complete"
        ? Effect.succeed(result)
        : sql
            .withTransaction(
              Effect.flatMap(Effect.orDie(decode(jsonExit(result.exit))), (decoded) =>
                Effect.andThen(Effect.orDie(hook(decoded)), journal(result)),
              ),
            )
            .pipe(Effect.flatMap(() => remember(result))),
    )
  }

  // -------------------------------------------------------------------------------------------
  // Clocks
  // -------------------------------------------------------------------------------------------

  let nextWake: number | undefined
  let poke: Deferred.Deferred<void> = Deferred.makeUnsafe()
  const schedule = (wakeAt: number) => {
    if (nextWake === undefined || wakeAt < nextWake) {
      nextWake = wakeAt
      Deferred.doneUnsafe(poke, Exit.void)
    }
  }
  const voidExit = encodeExit(Exit.void)

  const fireDue = Effect.gen(function* () {
    const names = [...workflows.keys()]
    while (true) {
      const due = yield* store.dueClocks(yield* now, names, 256)
      yield* Effect.forEach(
        due,
        (c) =>
          Effect.gen(function* () {
            const deferredName = DurableClock.make({ name: c.name, duration: Duration.zero }).deferred.name
            const woke = yield* store.fireClock(c.executionId, c.name, deferredName, voidExit, yield* now)
            yield* delivered(c.executionId, deferredName, Exit.void, woke?.wakeSeq, false)
          }),
        { concurrency: 16, discard: true },
      )
      if (due.length < 256) return
    }
  })

  const scheduler = Effect.gen(function* () {
    while (true) {
      poke = Deferred.makeUnsafe()
      yield* fireDue
      nextWake = yield* store.nextClock([...workflows.keys()])
      const t = yield* now
      const sleep = nextWake === undefined ? clockPoll : Math.min(clockPoll, Math.max(0, nextWake - t))
      yield* Effect.raceFirst(Effect.sleep(Duration.millis(sleep)), Deferred.await(poke))
    }
  }).pipe(
    Effect.catchCause((cause) => Effect.andThen(logDefect(cause), Effect.sleep(Duration.seconds(1)))),
    Effect.forever,
  )

  // -------------------------------------------------------------------------------------------
  // Deferreds
  // -------------------------------------------------------------------------------------------

  /** After a completion is stored: update the run in memory, preempt or wake it. */
  const delivered = (
    executionId: string,
    name: string,
    exit: Exit.Exit<unknown, unknown>,
    wakeSeq: number | undefined,
    own: boolean,
  ): Effect.Effect<void> =>
    Effect.suspend(() => {
      const run = active.get(executionId)
      if (run === undefined)
        return wakeSeq === undefined ? Effect.void : forkDaemon(wake(executionId, "automatic"))
      if (!run.deferreds.has(name)) run.deferreds.set(name, exit)
      if (wakeSeq !== undefined && wakeSeq > run.wakeSeq) run.wakeSeq = wakeSeq
      const mode: WakeMode = name === InterruptSignalName ? "explicit" : "automatic"
      // A run that completed its own deferred reads it from memory; wake it only if it waits on it.
      if (own && mode === "automatic" && run.instance?.awaitedDeferreds.has(name) !== true) return Effect.void
      requestWake(run, mode)
      return deferredState.deferredDone(executionId, name)
    })

  /** A child completed: its parent (already marked running in the database) replays. */
  const resumeParent = (executionId: string, wakeSeq: number | undefined): Effect.Effect<void> =>
    Effect.suspend(() => {
      const run = active.get(executionId)
      if (run === undefined)
        return wakeSeq === undefined ? Effect.void : forkDaemon(wake(executionId, "automatic"))
      if (wakeSeq !== undefined && wakeSeq > run.wakeSeq) run.wakeSeq = wakeSeq
      requestWake(run, "automatic")
      return Effect.void
    })

  // -------------------------------------------------------------------------------------------
  // The engine
  // -------------------------------------------------------------------------------------------

  const execute = Effect.fnUntraced(function* (
    workflow: Workflow.Any,
    opts: {
      readonly executionId: string
      readonly payload: object
      readonly discard: boolean
      readonly parent?: WorkflowEngine.WorkflowInstance["Service"] | undefined
      readonly detached?: boolean | undefined
    },
  ) {
    const entry = workflows.get(workflow._tag)
    if (entry === undefined) return yield* Effect.die(`Workflow ${workflow._tag} is not registered`)
    let run = active.get(opts.executionId)
    if (run === undefined) {
      // A read first: callers waiting on a parked run call execute again and again.
      const known = yield* Effect.orDie(store.outcome(opts.executionId))
      run = active.get(opts.executionId)
      if (run === undefined) {
        if (known !== undefined && known.state !== "running" && known.result !== null)
          return opts.discard ? undefined : entry.codec.decodeResult(known.result)
        run = newRun(opts.executionId)
        active.set(opts.executionId, run)
        const placeholder = run
        const parent =
          opts.parent !== undefined && opts.detached !== true
            ? { workflow: opts.parent.workflow._tag, executionId: opts.parent.executionId }
            : undefined
        const fresh =
          known === undefined &&
          (yield* store
            .insertExecution(
              opts.executionId,
              workflow._tag,
              entry.codec.encodePayload(opts.payload),
              parent === undefined ? null : JSON.stringify(parent),
              yield* now,
            )
            .pipe(
              Effect.onError(() => evict(placeholder, true)),
              Effect.orDie,
            ))
        if (fresh) {
          run.entry = entry
          run.payload = opts.payload
          run.parent = parent
          yield* start(run)
        } else {
          // Known execution that should be running (left by a stopped process): load it.
          yield* load(run).pipe(Effect.orDie)
        }
      }
    }
    if (opts.discard) return undefined
    return yield* Deferred.await(run.outcome)
  })

  const engine = WorkflowEngine.makeUnsafe({
    register: (workflow, executeBody) =>
      Effect.gen(function* () {
        workflows.set(workflow._tag, {
          workflow,
          execute: executeBody,
          scope: yield* Effect.scope,
          codec: workflowCodec(workflow),
        })
        // Runs that were running when the last process stopped.
        yield* forkDaemon(
          Effect.flatMap(store.running(workflow._tag), (ids) =>
            Effect.forEach(ids, (id) => wake(id, "automatic"), { concurrency: 16, discard: true }),
          ),
        )
        schedule(0)
      }),

    execute: execute as WorkflowEngine.Encoded["execute"],

    poll: (_workflow, executionId) =>
      Effect.suspend(() => {
        if (active.has(executionId)) return Effect.succeedNone
        const entry = workflows.get(_workflow._tag)
        return store.outcome(executionId).pipe(
          Effect.map((row) =>
            row === undefined || row.state === "running" || row.result === null || entry === undefined
              ? Option.none()
              : Option.some(entry.codec.decodeResult(row.result)),
          ),
          Effect.orDie,
        )
      }),

    interrupt: (_workflow, executionId) =>
      Effect.gen(function* () {
        yield* store.interrupt(executionId, yield* now)
        const run = active.get(executionId)
        if (run !== undefined) {
          run.interrupted = true
          requestWake(run, "explicit")
          return yield* deferredState.deferredDone(executionId, InterruptSignalName)
        }
        yield* wake(executionId, "explicit")
      }).pipe(Effect.orDie),

    interruptUnsafe: (_workflow, executionId) =>
      Effect.gen(function* () {
        yield* store.interrupt(executionId, yield* now)
        const run = active.get(executionId)
        if (run !== undefined) {
          run.interrupted = true
          run.interruptedUnsafe = true
          requestWake(run, "explicit")
          if (run.fiber !== undefined) yield* Fiber.interrupt(run.fiber)
          return
        }
        yield* wake(executionId, "explicit")
      }).pipe(Effect.orDie),

    resume: (_workflow, executionId) =>
      Effect.gen(function* () {
        const run = active.get(executionId)
        if (run !== undefined) return requestWake(run, "explicit")
        const woke = yield* store.resume(executionId, yield* now)
        if (woke !== undefined) yield* wake(executionId, "explicit")
      }).pipe(Effect.orDie),

    awaitComplete: (_workflow, executionId) =>
      Effect.gen(function* () {
        const signal = yield* Deferred.make<void>()
        const waiter = () => Deferred.doneUnsafe(signal, Exit.void)
        let set = completionWaiters.get(executionId)
        if (set === undefined) {
          set = new Set()
          completionWaiters.set(executionId, set)
        }
        set.add(waiter)
        const cleanup = Effect.sync(() => {
          const s = completionWaiters.get(executionId)
          s?.delete(waiter)
          if (s?.size === 0) completionWaiters.delete(executionId)
        })
        // Completed between the caller's last look and this registration?
        const row = active.has(executionId) ? undefined : yield* Effect.orDie(store.outcome(executionId))
        if (row?.state === "complete") return yield* cleanup
        yield* Deferred.await(signal).pipe(Effect.ensuring(cleanup))
      }),

    activityExecute: (activity, attempt) =>
      Effect.gen(function* () {
        const instance = yield* WorkflowEngine.WorkflowInstance
        const run = active.get(instance.executionId)
        if (run === undefined) return yield* Effect.die(`activity ${activity.name} outside an active run`)
        const key = `${activity.name}/${attempt}`
        const journaled = run.activities.get(key)
        if (journaled !== undefined) return new Workflow.Complete({ exit: journaled })
        // A pending interrupt replays only to rebuild compensations: no new activities.
        if (run.interrupted && !instance.interrupted) return new Workflow.Suspended({})
        // Inline: a completion that preempts the run (interrupting its fiber) cuts an activity in
        // flight short; it is not journaled and runs again on the replay (at-least-once).
        return yield* runActivity(run, instance, activity, attempt, key)
      }) as Effect.Effect<Workflow.Result<unknown, unknown>, never, any>,

    deferredResult: (deferred) =>
      Effect.gen(function* () {
        const instance = yield* WorkflowEngine.WorkflowInstance
        return Option.fromNullishOr(active.get(instance.executionId)?.deferreds.get(deferred.name))
      }),

    deferredDone: ({ executionId, deferredName, exit }) =>
      Effect.gen(function* () {
        const stored = yield* store
          .completeDeferred(executionId, deferredName, encodeExit(exit), yield* now)
          .pipe(Effect.orDie)
        const instance = yield* Effect.serviceOption(WorkflowEngine.WorkflowInstance)
        const own = Option.isSome(instance) && instance.value.executionId === executionId
        // Inside a caller's transaction the wake-up waits for its commit.
        yield* sql.afterCommit(delivered(executionId, deferredName, exit, stored?.wakeSeq, own))
      }),

    scheduleClock: (workflow, { executionId, clock }) =>
      Effect.gen(function* () {
        const run = active.get(executionId)
        if (run?.clocks.has(clock.name)) return
        const wakeAt = (yield* now) + Duration.toMillis(clock.duration)
        yield* store.insertClock(executionId, clock.name, workflow._tag, wakeAt).pipe(Effect.orDie)
        run?.clocks.add(clock.name)
        schedule(wakeAt)
      }),
  })

  yield* Effect.forkIn(scheduler, engineScope)
  const inspect = Inspect.of({
    runsInMemory: () => active.size,
    completionWaiters: () => completionWaiters.size,
  })
  return { engine, inspect }
})

/** Creates the tables; concurrent first starts on Postgres are serialised by an advisory lock. */
const migrate = (sql: SqlClient.SqlClient, store: Store.Store) =>
  store.dialect === "pg"
    ? sql.withTransaction(
        Effect.andThen(sql.unsafe("SELECT pg_advisory_xact_lock(7346819305)"), store.migrate),
      )
    : store.migrate

/** A counting gate with a synchronous release (a permit passes straight to the next waiter). */
const gate = (permits: number) => {
  let free = permits
  const waiting: Array<Deferred.Deferred<void>> = []
  const release = (): void => {
    const next = waiting.shift()
    if (next === undefined) free++
    else Deferred.doneUnsafe(next, Exit.void)
  }
  return {
    acquire: Effect.suspend(() => {
      if (free > 0) {
        free--
        return Effect.void
      }
      const d = Deferred.makeUnsafe<void>()
      waiting.push(d)
      return Deferred.await(d).pipe(
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            const at = waiting.indexOf(d)
            if (at >= 0) waiting.splice(at, 1)
            else release() // the permit was handed over as the waiter went away
          }),
        ),
      )
    }),
    release,
  }
}

const jsonExit = Exit.map((value: unknown) => value ?? null)

const logDefect = (cause: Cause.Cause<unknown>) =>
  Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("SqlWorkflowEngine", cause)

/**
 * The engine as a layer over the `SqlClient` in context.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { SqlWorkflowEngine } from "@riposte/workflow-sql"
 *
 * const engine = SqlWorkflowEngine.layer().pipe(Layer.provideMerge(PgClient.layer({ url })))
 * ```
 *
 * @since 0.1.0
 */
export const layer = (
  options: Options = {},
): Layer.Layer<WorkflowEngine.WorkflowEngine | Inspect, SqlError.SqlError, SqlClient.SqlClient> =>
  Layer.effectContext(
    Effect.map(make(options), ({ engine, inspect }) =>
      Context.make(WorkflowEngine.WorkflowEngine, engine).pipe(Context.add(Inspect, inspect)),
    ),
  )
