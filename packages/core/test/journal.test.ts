/**
 * The journal a run writes is a compatibility contract: a durable engine replays parked and
 * in-flight runs against the activity names, attempts and annotations recorded by the version
 * that started them, and receivers deduplicate on the idempotency keys. These tests pin them.
 */
import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { SqlWorkflowEngine } from "@riposte/workflow-sql"
import { Context, Effect, Fiber, Layer } from "effect"
import { ClusterSchema } from "effect/cluster"
import { WorkflowEngine } from "effect/workflow"
import { CaseStoreMemory, Engine } from "../src/index.ts"
import { makeLog, mocks } from "./fixtures.ts"
import { input, phishing } from "./phishing.ts"

/** The in-memory engine, recording every activity the bodies it runs execute or replay. */
const recordingEngine = (journal: Array<string>) =>
  Layer.effect(
    WorkflowEngine.WorkflowEngine,
    Effect.gen(function* () {
      const inner = yield* WorkflowEngine.WorkflowEngine
      const engine: WorkflowEngine.WorkflowEngine["Service"] = {
        ...inner,
        // Bodies run with this engine, so their activities go through `activityExecute` below.
        register: (workflow, execute) =>
          inner.register(workflow, (payload, executionId) =>
            Effect.provideService(execute(payload, executionId), WorkflowEngine.WorkflowEngine, engine),
          ),
        activityExecute: (activity, attempt) => {
          const tx = Context.get(activity.annotations, ClusterSchema.WithTransaction) ? " tx" : ""
          const hook = Context.getOrUndefined(activity.annotations, SqlWorkflowEngine.CommitWith)
            ? " hook"
            : ""
          journal.push(`${activity.name}/${attempt}${tx}${hook}`)
          return inner.activityExecute(activity, attempt)
        },
      }
      return engine
    }),
  ).pipe(Layer.provide(WorkflowEngine.layerMemory))

const key = (executionId: string, stepPath: string, index: string | number) =>
  createHash("sha256").update(`${executionId}\u0000${stepPath}\u0000${index}`).digest("hex").slice(0, 32)

describe("journal", () => {
  it.effect("activity names, attempts, annotations and idempotency keys of an approved run", () => {
    const journal: Array<string> = []
    const log = makeLog()
    const layer = Engine.layer({ playbooks: [phishing] }).pipe(
      Layer.provideMerge(CaseStoreMemory.layer),
      Layer.provide(mocks(log, { maliciousHosts: ["evil.test"] })),
      Layer.provide(recordingEngine(journal)),
    )
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(engine.run(phishing, input(["https://evil.test/login"])))
      let pending = yield* engine.pendingApprovals()
      while (pending.length === 0) {
        yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
        pending = yield* engine.pendingApprovals()
      }
      yield* engine.decide(pending[0]!.id, { decision: "approve", actor: "alice", roles: ["soc-lead"] })
      const result = yield* Fiber.join(fiber)
      // The run parks at the gate; the decision replays it from the start (journaled results).
      const toGate = [
        "riposte/open-case/1 tx",
        "urls[0]/1",
        "urls/record/1 tx",
        "sender[rep]/1",
        "sender/record/1 tx",
        "verdict.malicious/copies[search]/1",
        "verdict.malicious/copies/record/1 tx",
        "verdict.malicious/purge-ok/request/1 tx",
      ]
      assert.deepStrictEqual(journal, [
        ...toGate,
        ...toGate,
        "verdict.malicious/purge[0]/1",
        "verdict.malicious/purge[1]/1",
        "verdict.malicious/purge/record/1 tx",
        "verdict.malicious/case#3/1 tx",
        "riposte/finish/1 tx",
      ])
      const executionId = result.runId.slice(result.runId.lastIndexOf("#") + 1)
      const purges = log.calls.filter((c) => c.action === "purge")
      assert.deepStrictEqual(
        purges.map((c) => c.key).sort(),
        [
          key(executionId, "verdict.malicious/purge", 0),
          key(executionId, "verdict.malicious/purge", 1),
        ].sort(),
      )
      const url = log.calls.find((c) => c.action === "url")!
      assert.strictEqual(url.key, key(executionId, "urls", "0"))
    }).pipe(Effect.provide(layer))
  })
})
