/**
 * A Promise facade for hosts that do not use Effect.
 *
 * @example
 * ```ts
 * import { createRiposte } from "@riposte/core"
 *
 * const riposte = await createRiposte({ playbooks: [phishing], connectors: [VirusTotalLive] })
 * const result = await riposte.run(phishing, { eml })
 * const pending = await riposte.approvals.pending()
 * await riposte.approvals.decide(pending[0].id, { decision: "approve", actor: "alice", roles: ["soc-lead"] })
 * await riposte.close()
 * ```
 * @since 0.1.0
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import type { WorkflowEngine } from "effect/workflow"
import type { ApprovalRecord, CaseFilter, CaseRecord, CaseView } from "./CaseModel.ts"
import { CaseStore } from "./CaseStore.ts"
import * as CaseStoreMemory from "./CaseStoreMemory.ts"
import * as Engine from "./Engine.ts"
import type * as Playbook from "./Playbook.ts"

export interface RiposteOptions extends Omit<Engine.EngineOptions, "playbooks"> {
  readonly playbooks: ReadonlyArray<Playbook.Any>
  /** Connector implementation layers (`Connector.layer(...)`, connector packages). */
  readonly connectors?: ReadonlyArray<Layer.Layer<any, never, never>>
  /** The case store (default: in memory). */
  readonly caseStore?: Layer.Layer<CaseStore, never, never>
  /** The workflow engine (default: in memory, not durable; see `@riposte/runtime` for SQLite/Postgres). */
  readonly workflowEngine?: Layer.Layer<WorkflowEngine.WorkflowEngine, never, never>
  /**
   * One layer providing both the workflow engine and the case store, built once (e.g.
   * `Runtime.sqlite()` from `@riposte/runtime`: both share one database, so a step's case writes
   * commit with its journal entry). Replaces `workflowEngine` and `caseStore`. A failure to build
   * it rejects `createRiposte`.
   */
  readonly runtime?: Layer.Layer<WorkflowEngine.WorkflowEngine | CaseStore, unknown, never>
  /** Extra layers (tracing, logging). */
  readonly layers?: ReadonlyArray<Layer.Layer<any, never, never>>
}

export interface Riposte {
  /** Starts (or joins) a run and waits for its result. */
  readonly run: <P extends Playbook.Any>(
    playbook: P,
    input: Playbook.Input<P>,
    options?: Engine.StartOptions,
  ) => Promise<Engine.RunResult>
  /** Starts (or joins) a run; resolves with its id at once. */
  readonly start: <P extends Playbook.Any>(
    playbook: P,
    input: Playbook.Input<P>,
    options?: Engine.StartOptions,
  ) => Promise<{ readonly runId: string }>
  readonly status: (runId: string) => Promise<Engine.RunState>
  readonly result: (runId: string) => Promise<Engine.RunResult>
  /** Resumes a run suspended on failure (see `suspendOnFailure`). */
  readonly resume: (runId: string) => Promise<void>
  readonly approvals: {
    readonly pending: (filter?: { readonly runId?: string }) => Promise<ReadonlyArray<ApprovalRecord>>
    readonly decide: (requestId: string, decision: Engine.Decision) => Promise<ApprovalRecord>
  }
  readonly cases: {
    readonly view: (caseId: string) => Promise<CaseView>
    readonly list: (filter?: CaseFilter) => Promise<ReadonlyArray<CaseRecord>>
  }
  /** The underlying runtime, for Effect code. */
  readonly runtime: ManagedRuntime.ManagedRuntime<Engine.Engine | CaseStore, never>
  readonly close: () => Promise<void>
}

/** Builds an engine and returns a Promise API over it. */
export const createRiposte = async (options: RiposteOptions): Promise<Riposte> => {
  const connectors = Layer.mergeAll(Layer.empty, ...(options.connectors ?? []))
  const extra = Layer.mergeAll(Layer.empty, ...(options.layers ?? []))
  const layer = options.runtime
    ? Engine.layer(options).pipe(
        Layer.provide(connectors),
        Layer.provideMerge(Layer.orDie(options.runtime)),
        Layer.provide(extra),
      )
    : (options.workflowEngine
        ? Engine.layer(options).pipe(Layer.provide(options.workflowEngine))
        : Engine.layerMemory(options)
      ).pipe(
        Layer.provide(connectors),
        Layer.provideMerge(options.caseStore ?? CaseStoreMemory.layer),
        Layer.provide(extra),
      )
  const runtime = ManagedRuntime.make(layer)
  await runtime.runPromise(Effect.void)
  const withEngine = <A, E>(f: (e: Engine.EngineShape) => Effect.Effect<A, E>) =>
    runtime.runPromise(
      Effect.gen(function* () {
        return yield* f(yield* Engine.Engine)
      }),
    )
  const withStore = <A, E>(f: (s: CaseStore["Service"]) => Effect.Effect<A, E>) =>
    runtime.runPromise(
      Effect.gen(function* () {
        return yield* f(yield* CaseStore)
      }),
    )
  return {
    run: (p, input, options) => withEngine((e) => e.run(p, input, options)),
    start: (p, input, options) => withEngine((e) => e.start(p, input, options)),
    status: (runId) => withEngine((e) => e.status(runId)),
    result: (runId) => withEngine((e) => e.result(runId)),
    resume: (runId) => withEngine((e) => e.resume(runId)),
    approvals: {
      pending: (filter) => withEngine((e) => e.pendingApprovals(filter)),
      decide: (id, d) => withEngine((e) => e.decide(id, d)),
    },
    cases: {
      view: (id) => withStore((s) => s.view(id)),
      list: (filter) => withStore((s) => s.list(filter)),
    },
    runtime,
    close: () => runtime.dispose(),
  }
}
