/**
 * The point of executing through the Effect SqlClient: inside a durable workflow activity
 * annotated `ClusterSchema.WithTransaction`, case writes share the journal's transaction.
 */
import { randomUUID } from "node:crypto"
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { CaseStore } from "@riposte/core"
import { Deferred, Effect, Fiber, Layer, Redacted, Schema } from "effect"
import { ClusterSchema, ClusterWorkflowEngine, SingleRunner } from "effect/cluster"
import { SqlClient } from "effect/sql"
import { Activity, Workflow } from "effect/workflow"
import * as SqlCaseStore from "../src/SqlCaseStore.ts"

const url = Redacted.make(process.env.RIPOSTE_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test")
const admin = (statement: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(statement)
  }).pipe(Effect.provide(PgClient.layer({ url, maxConnections: 1, connectTimeout: "3 seconds" })))
const unreachable = await Effect.runPromise(
  admin("select 1").pipe(
    Effect.as(undefined),
    Effect.timeout("5 seconds"),
    Effect.catch((e) => Effect.succeed(String(e))),
  ),
)
if (unreachable !== undefined) {
  if (process.env.CI === "true") throw new Error(`Postgres unreachable in CI: ${unreachable}`)
  console.warn(`Skipping the journal test: Postgres unreachable (${unreachable})`)
}

/** A pool whose search_path is a fresh schema, dropped when the layer is released. */
const client = Layer.unwrap(
  Effect.gen(function* () {
    const schema = `riposte_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`
    yield* Effect.acquireRelease(admin(`create schema ${schema}`), () =>
      Effect.ignore(admin(`drop schema if exists ${schema} cascade`)),
    )
    return PgClient.layer({ url, startupParameters: { search_path: schema } })
  }),
)

const Mode = Schema.Literals(["transactional", "plain"])

const CaseWorkflow = Workflow.make("CaseJournal", {
  payload: { id: Schema.String, mode: Mode },
  success: Schema.String,
  idempotencyKey: (p) => p.id,
})

/** Per execution: the activity signals `written` after opening the case, then waits for `release`. */
const gates = new Map<
  string,
  { readonly written: Deferred.Deferred<void>; readonly release: Deferred.Deferred<void> }
>()

const openCase = (id: string) =>
  Effect.gen(function* () {
    const store = yield* CaseStore.CaseStore
    const { case: c } = yield* Effect.orDie(
      store.open({ title: id, severity: "high", playbook: "journal", playbookVersion: "1" }),
    )
    const gate = gates.get(id)
    if (gate) {
      yield* Deferred.succeed(gate.written, undefined)
      yield* Deferred.await(gate.release)
    }
    return c.id
  })

const CaseWorkflowLayer = CaseWorkflow.toLayer(
  Effect.fnUntraced(function* (payload) {
    const activity = Activity.make({
      name: "open-case",
      success: Schema.String,
      execute: openCase(payload.id),
    })
    return yield* payload.mode === "plain" ? activity : activity.annotate(ClusterSchema.WithTransaction, true)
  }),
)

const engine = ClusterWorkflowEngine.layer.pipe(
  Layer.provide(SingleRunner.layer({ runnerStorage: "sql" })),
  Layer.provide(NodeCrypto.layerDigest),
  Layer.provideMerge(client),
)

describe.skipIf(unreachable !== undefined)("case writes and the durable journal (Postgres)", () => {
  it.live(
    "inside a WithTransaction activity the case commits with the journal reply; without it, at once",
    () =>
      Effect.gen(function* () {
        yield* SqlCaseStore.migrate({ dialect: "postgres" })
        // Outside the activity's transaction: reads run on another pooled connection and see
        // only committed rows.
        const reader = yield* CaseStore.CaseStore
        const visible = Effect.map(Effect.orDie(reader.list({ playbook: "journal" })), (cs) =>
          cs.map((c) => c.title).sort(),
        )
        const run = Effect.fnUntraced(function* (id: string, mode: typeof Mode.Type) {
          const gate = { written: yield* Deferred.make<void>(), release: yield* Deferred.make<void>() }
          gates.set(id, gate)
          const fiber = yield* Effect.forkChild(CaseWorkflow.execute({ id, mode }))
          yield* Deferred.await(gate.written).pipe(Effect.timeout("20 seconds"))
          const during = yield* visible
          yield* Deferred.succeed(gate.release, undefined)
          const caseId = yield* Fiber.join(fiber).pipe(Effect.timeout("20 seconds"))
          return { during, after: yield* visible, caseId }
        })
        const tx = yield* run("in-transaction", "transactional")
        assert.deepStrictEqual(tx.during, [], "uncommitted until the activity's reply is journaled")
        assert.deepStrictEqual(tx.after, ["in-transaction"])
        const plain = yield* run("autocommit", "plain")
        assert.deepStrictEqual(plain.during, ["autocommit", "in-transaction"], "committed before the reply")
        assert.strictEqual((yield* reader.get(tx.caseId)).title, "in-transaction")
      }).pipe(
        Effect.provide(
          CaseWorkflowLayer.pipe(
            Layer.provideMerge(SqlCaseStore.layer({ dialect: "postgres" })),
            Layer.provideMerge(engine),
          ),
        ),
      ),
    60_000,
  )
})
