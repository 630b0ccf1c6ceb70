/**
 * Rollback: reverses the succeeded actions of a run (or case) whose connectors declare an
 * `undo`, newest first, through `Connector.invoke`, and records each reversal in the case.
 *
 * @example
 * ```ts
 * const result = yield* Undo.rollback(runId, { connectors: [Edr, Mail], by: "alice" })
 * // result.undone: the reversed actions, newest first
 * ```
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { type CaseModel, CaseStore, Connector, type ConnectorError } from "@riposte/core"
import { Clock, Effect } from "effect"

/** What is read from a connector definition: its name and action schemas. */
export interface Definitions {
  readonly connector: string
  readonly actions: Readonly<Record<string, Connector.AnyActionDef>>
}

/** One reversal attempted by {@link rollback}. */
export interface Reversal {
  /** The original action's step path and idempotency key. */
  readonly stepPath: string
  readonly idempotencyKey: string
  readonly connector: string
  readonly action: string
  readonly status: "undone" | "failed"
  readonly detail: string | null
}

export interface RollbackResult {
  readonly caseId: string
  /** Reversals in the order they ran (newest original action first). */
  readonly reversals: ReadonlyArray<Reversal>
  /** Originals skipped because an earlier rollback already reversed them. */
  readonly alreadyUndone: number
}

export interface RollbackOptions {
  /** Definitions of the connectors whose undo actions may run. */
  readonly connectors: ReadonlyArray<Definitions>
  /** Who asked for the rollback (recorded). */
  readonly by: string
}

const resolveCase = (store: CaseStore.CaseStoreShape, id: string) =>
  Effect.gen(function* () {
    const hash = id.lastIndexOf("#")
    if (hash <= 0) return yield* store.view(id)
    // A run id `riposte/<name>@<version>#<execution>`: find its case.
    const tag = id.slice(0, hash)
    const at = tag.lastIndexOf("@")
    const playbook = tag.slice(tag.indexOf("/") + 1, at > 0 ? at : undefined)
    const cases = yield* store.list({ playbook })
    const found = cases.find((c) => c.runId === id)
    if (found === undefined) return yield* store.view(id) // fails with NotFound
    return yield* store.view(found.id)
  })

/**
 * Reverses the undoable succeeded actions of a run or case in reverse order. Each reversal is
 * invoked with the idempotency key `<original key>:undo` and recorded as a new action row
 * (`undone`, or `failed` with the error); running it again skips what was already reversed.
 *
 * @example
 * ```ts
 * yield* Undo.rollback(caseId, { connectors: [Edr], by: "alice" })
 * ```
 */
export const rollback = Effect.fn("Undo.rollback")(function* (runOrCaseId: string, options: RollbackOptions) {
  const store = yield* CaseStore.CaseStore
  const view: CaseModel.CaseView = yield* resolveCase(store, runOrCaseId)
  const caseId = view.case.id
  const defs = new Map<string, Connector.AnyActionDef>()
  for (const c of options.connectors)
    for (const [name, def] of Object.entries(c.actions)) defs.set(`${c.connector}.${name}`, def)
  const done = new Set(view.actions.filter((a) => a.status === "undone").map((a) => a.idempotencyKey))
  const candidates = view.actions.filter((a) => a.status === "succeeded" && a.undo != null)
  const actor = { kind: "user", id: options.by } as const
  const reversals: Array<Reversal> = []
  let alreadyUndone = 0
  for (const original of [...candidates].reverse()) {
    const undo = original.undo!
    const key = `${original.idempotencyKey}:undo`
    if (done.has(key)) {
      alreadyUndone++
      continue
    }
    const def = defs.get(`${undo.connector}.${undo.action}`)
    const outcome: { status: "undone" | "failed"; detail: string | null } =
      def === undefined
        ? { status: "failed", detail: `no definition for ${undo.connector}.${undo.action}` }
        : yield* Connector.invoke(
            {
              _tag: "ConnectorCall",
              connector: undo.connector,
              action: undo.action,
              kind: def.kind,
              input: undo.input,
              definition: def,
            },
            {
              idempotencyKey: key,
              runId: view.case.runId ?? `rollback:${caseId}`,
              playbook: view.case.playbook,
              step: `${original.stepPath}/undo`,
              attempt: 1,
            },
          ).pipe(
            Effect.map(() => ({ status: "undone" as const, detail: null })),
            Effect.catch((e: ConnectorError) =>
              Effect.succeed({ status: "failed" as const, detail: e.message }),
            ),
          )
    const at = yield* Clock.currentTimeMillis
    yield* store.recordAction({
      caseId,
      stepPath: `${original.stepPath}/undo`,
      connector: undo.connector,
      action: undo.action,
      kind: def?.kind ?? original.kind,
      inputHash: createHash("sha256")
        .update(JSON.stringify(undo.input ?? null))
        .digest("hex"),
      input: undo.input,
      outputSummary: outcome.detail ?? `reversed ${original.connector}.${original.action}`,
      status: outcome.status,
      idempotencyKey: key,
      approvalRef: original.approvalRef,
      actor,
      at,
      undo: null,
    })
    reversals.push({
      stepPath: original.stepPath,
      idempotencyKey: original.idempotencyKey,
      connector: undo.connector,
      action: undo.action,
      ...outcome,
    })
  }
  const failed = reversals.filter((r) => r.status === "failed").length
  yield* store.appendTimeline(caseId, {
    kind: "action",
    actor,
    message: `rollback by ${options.by}: ${reversals.length - failed} reversed, ${failed} failed, ${alreadyUndone} already undone`,
    data: { reversals },
  })
  return { caseId, reversals, alreadyUndone } satisfies RollbackResult
})
