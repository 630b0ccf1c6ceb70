/**
 * The one-call Promise entry for hosts that do not use Effect: `createRiposte` over a durable
 * runtime (SQLite by default, Postgres, or a cluster runner/client).
 *
 * @since 0.1.0
 */
import { createRiposte, type Riposte } from "@riposte/core"
import type { Effect } from "effect"
import type * as Durable from "./Durable.ts"
import * as KillSwitch from "./KillSwitch.ts"
import * as Runtime from "./Runtime.ts"

/** Where runs are journaled. */
export type Storage =
  | { readonly sqlite: Durable.SqliteOptions }
  | { readonly postgres: Durable.PostgresOptions }
  | { readonly runner: Durable.RunnerOptions }
  | { readonly client: Durable.ClientOptions }

export interface DurableRiposteOptions
  extends Omit<Riposte.RiposteOptions, "workflowEngine" | "caseStore" | "runtime"> {
  /** Default `{ sqlite: {} }`: `./.riposte/riposte.db`. */
  readonly storage?: Storage
}

export interface DurableRiposte extends Riposte.Riposte {
  /** The kill switch (see `KillSwitch`): paused playbooks reject new triggers. */
  readonly killSwitch: {
    readonly pause: (
      playbook: string,
      options?: { readonly actor?: string; readonly reason?: string },
    ) => Promise<void>
    readonly resume: (playbook: string) => Promise<void>
    readonly list: () => Promise<ReadonlyArray<KillSwitch.Paused>>
  }
}

/** The runtime layer for a `Storage` choice. */
export const runtimeOf = (storage: Storage = { sqlite: {} }) =>
  "sqlite" in storage
    ? Runtime.sqlite(storage.sqlite)
    : "postgres" in storage
      ? Runtime.postgres(storage.postgres)
      : "runner" in storage
        ? Runtime.runner(storage.runner)
        : Runtime.client(storage.client)

/**
 * Builds a durable engine (journal, case store and kill switch in one database) and returns
 * the Promise API. Runs that were in flight when the previous process stopped resume by
 * themselves once it starts.
 *
 * @example
 * ```ts
 * import { createDurableRiposte } from "@riposte/runtime"
 *
 * const riposte = await createDurableRiposte({
 *   storage: { sqlite: { directory: "./.riposte" } },
 *   playbooks: [phishing],
 *   connectors: [VirusTotalLive],
 * })
 * const { runId } = await riposte.start(phishing, { eml })
 * await riposte.close()
 * ```
 */
export const createDurableRiposte = async (options: DurableRiposteOptions): Promise<DurableRiposte> => {
  const riposte = await createRiposte({ ...options, runtime: runtimeOf(options.storage) })
  const withSwitch = <A, E>(f: (k: KillSwitch.KillSwitchShape) => Effect.Effect<A, E>) =>
    // The runtime layer provided KillSwitch; the facade's type only lists Engine and CaseStore.
    (
      riposte.runtime as unknown as {
        runPromise: <X, Y>(e: Effect.Effect<X, Y, KillSwitch.KillSwitch>) => Promise<X>
      }
    ).runPromise(KillSwitch.KillSwitch.use(f))
  return {
    ...riposte,
    killSwitch: {
      pause: (playbook, opts) => withSwitch((k) => k.pause(playbook, opts)),
      resume: (playbook) => withSwitch((k) => k.resume(playbook)),
      list: () => withSwitch((k) => k.list()),
    },
  }
}
