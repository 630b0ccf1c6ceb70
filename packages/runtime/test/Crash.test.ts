/**
 * Crash tests: real playbooks (DSL) in real child processes, SIGKILLed at the worst moments, on
 * SQLite and Postgres. Every real connector execution is a line in a side-effect log; the
 * destructive action goes to a loopback HTTP receiver that applies each idempotency key once.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import type { CaseModel, Engine } from "@riposte/core"
import { Duration, Effect } from "effect"
import { afterAll } from "vitest"
import { type Child, countStep, executions, poll, spawnChild } from "./fixtures/harness.ts"
import { type PreparedPostgres, preparePostgres } from "./fixtures/postgres.ts"
import { type Receiver, startReceiver } from "./fixtures/receiver.ts"
import type { ChildConfig } from "./fixtures/riposteChild.ts"

const root = mkdtempSync(join(tmpdir(), "riposte-crash-"))
const receiver: Receiver = await startReceiver()
afterAll(async () => {
  await receiver.close()
  rmSync(root, { recursive: true, force: true })
})
let counter = 0

const pg = await preparePostgres()
afterAll(() => pg.cleanup())
if (!pg.ok) console.log(`[runtime] Postgres crash tests skipped: ${pg.reason}`)
const runPg = pg.ok || process.env.CI === "true"
const urlOf = (prepared: PreparedPostgres) => {
  if (!prepared.ok) throw new Error(`Postgres unavailable: ${prepared.reason}`)
  return prepared.url
}

type Backend = "sqlite" | "postgres"

/** A fresh database (SQLite directory or Postgres schema-isolated database) and log per test. */
const fresh = (backend: Backend) =>
  Effect.gen(function* () {
    const n = ++counter
    const log = join(root, `log-${n}.txt`)
    if (backend === "sqlite") return { backend, target: join(root, `db-${n}`), log } as const
    const db = yield* Effect.promise(() => preparePostgres())
    yield* Effect.addFinalizer(() => Effect.promise(() => db.cleanup()))
    return { backend, target: urlOf(db), log } as const
  })

type Env = Effect.Success<ReturnType<typeof fresh>>

const config = (
  env: Env,
  extra: Omit<Partial<ChildConfig>, "side"> & { readonly side?: Partial<ChildConfig["side"]> } = {},
) =>
  ({
    backend: env.backend,
    target: env.target,
    ...extra,
    side: { log: env.log, receiver: receiver.url, ...extra.side },
  }) as ChildConfig

const statusOf = (child: Child, runId: string) => child.send<Engine.RunState>({ op: "status", runId })

/** Polls the run until it completes by itself (nobody calls `result`/`run` on it). */
const completed = (child: Child, runId: string, timeout: Duration.Input = Duration.seconds(45)) =>
  poll(
    `run ${runId} to complete`,
    Effect.map(statusOf(child, runId), (s) => (s._tag === "Completed" ? s.result : undefined)),
    timeout,
  )

const pending = (child: Child, count: number) =>
  poll(
    `${count} pending approvals`,
    Effect.map(child.send<ReadonlyArray<CaseModel.ApprovalRecord>>({ op: "pending" }), (list) =>
      list.length >= count ? list : undefined,
    ),
  )

const pids = (log: string, step: string) =>
  executions(log)
    .filter((e) => e.step === step)
    .map((e) => e.pid)

const suite = (backend: Backend) => {
  it.live(
    "(1) SIGKILL while parked at an approval gate: a new process decides, the run completes, each completed step ran once; the same trigger joins the run",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const env = yield* fresh(backend)
          const id = `gate-${backend}-${counter}`
          const first = yield* spawnChild(config(env))
          const { runId } = yield* first.send<{ runId: string }>({
            op: "start",
            playbook: "gated@1",
            input: { id },
          })
          assert.match(runId, /^riposte\/gated@1#/)
          yield* pending(first, 1)
          yield* first.kill()

          const second = yield* spawnChild(config(env))
          // Run dedup across processes: the same trigger joins the parked run.
          const again = yield* second.send<{ runId: string }>({
            op: "start",
            playbook: "gated@1",
            input: { id },
          })
          assert.strictEqual(again.runId, runId)
          const requests = yield* pending(second, 1)
          assert.lengthOf(requests, 1, "one approval request: the second trigger did not start a run")
          yield* second.send({ op: "decide", requestId: requests[0]?.id ?? "", decision: "approve" })
          const result = yield* completed(second, runId)
          assert.deepStrictEqual(result.path, ["a", "ok=approved", "purge", "b"])

          assert.deepStrictEqual(pids(env.log, "a"), [first.pid], "a ran once, before the kill")
          assert.deepStrictEqual(pids(env.log, "purge"), [second.pid])
          assert.deepStrictEqual(pids(env.log, "b"), [second.pid])
          assert.lengthOf(receiver.appliedByTarget.get(id) ?? [], 1)
          const view = yield* second.send<CaseModel.CaseView>({ op: "view", caseId: result.caseId })
          assert.strictEqual(view.case.status, "contained")
          assert.lengthOf(view.actions, 1, "one action row")
          assert.deepStrictEqual(
            view.notes.map((n) => n.text),
            ["purged"],
            "the case-update step wrote its note once",
          )
        }),
      ),
    120_000,
  )

  it.live(
    "(2) SIGKILL during an activity: the run resumes by itself, only the in-flight call runs again, with the same key, applied once",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const env = yield* fresh(backend)
          const id = `inflight-${backend}-${counter}`
          const first = yield* spawnChild(config(env, { side: { hangAfterPurge: true } }))
          const { runId } = yield* first.send<{ runId: string }>({
            op: "start",
            playbook: "inflight@1",
            input: { id },
          })
          // The receiver applied the purge; the activity has not returned (no journal entry).
          yield* poll(
            "the purge to reach the receiver",
            Effect.sync(() => (receiver.appliedByTarget.has(id) ? true : undefined)),
          )
          yield* first.kill()

          const second = yield* spawnChild(config(env))
          const result = yield* completed(second, runId)
          assert.deepStrictEqual(result.path, ["a", "purge", "b"])
          assert.deepStrictEqual(pids(env.log, "a"), [first.pid], "the completed step did not run again")
          assert.deepStrictEqual(
            pids(env.log, "purge"),
            [first.pid, second.pid],
            "the in-flight call ran again",
          )
          assert.deepStrictEqual(pids(env.log, "b"), [second.pid])
          const keys = executions(env.log)
            .filter((e) => e.step === "purge")
            .map((e) => e.key)
          assert.strictEqual(keys[0], keys[1], "both attempts carried the same idempotency key")
          const applied = receiver.appliedByTarget.get(id) ?? []
          assert.deepStrictEqual(applied, [keys[0]], "the receiver applied it once")
          assert.strictEqual(receiver.deliveries.get(keys[0] ?? ""), 2, "and saw it twice")
        }),
      ),
    120_000,
  )

  it.live(
    "(3) an approval timeout elapses while no process runs: on restart the timeout path is taken",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const env = yield* fresh(backend)
          const id = `quick-${backend}-${counter}`
          // Threshold 0: every approval clock is durable (the default keeps <= 60 s in memory).
          const first = yield* spawnChild(config(env, { inMemoryThreshold: 0 }))
          const { runId } = yield* first.send<{ runId: string }>({
            op: "start",
            playbook: "quick@1",
            input: { id },
          })
          yield* pending(first, 1)
          yield* first.kill()
          // The 3 s timeout elapses while nothing runs.
          yield* Effect.sleep(Duration.seconds(4))

          const second = yield* spawnChild(config(env, { inMemoryThreshold: 0 }))
          const result = yield* completed(second, runId)
          assert.strictEqual(result.status, "timed_out")
          assert.deepStrictEqual(result.path, ["a", "ok=timeout"])
          assert.strictEqual(countStep(env.log, "a"), 1)
          assert.strictEqual(countStep(env.log, "b"), 0, "the approved path never ran")
          const view = yield* second.send<CaseModel.CaseView>({ op: "view", caseId: result.caseId })
          assert.deepStrictEqual(
            view.approvals.map((a) => a.decision),
            ["timeout"],
          )
        }),
      ),
    120_000,
  )

  it.live(
    "a case write happens exactly once: SIGKILL inside the transaction that journals the action and records it, restart, one row",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const env = yield* fresh(backend)
          const id = `casewrite-${backend}-${counter}`
          const first = yield* spawnChild(config(env, { killInRecordOf: "purge" }))
          const { runId } = yield* first.send<{ runId: string }>({
            op: "start",
            playbook: "inflight@1",
            input: { id },
          })
          // The child kills itself after writing the action row, before the transaction commits.
          yield* first.exited
          assert.strictEqual(first.process.signalCode, "SIGKILL")
          assert.deepStrictEqual(pids(env.log, "purge"), [first.pid])

          const second = yield* spawnChild(config(env))
          const result = yield* completed(second, runId)
          assert.deepStrictEqual(result.path, ["a", "purge", "b"])
          // The action row commits in the transaction that journals the purge's result: the kill
          // lost both, so the purge ran again (at-least-once) with the same idempotency key.
          assert.deepStrictEqual(pids(env.log, "purge"), [first.pid, second.pid])
          const keys = executions(env.log)
            .filter((e) => e.step === "purge")
            .map((e) => e.key)
          assert.strictEqual(new Set(keys).size, 1, "both executions carry the same idempotency key")
          const view = yield* second.send<CaseModel.CaseView>({ op: "view", caseId: result.caseId })
          assert.deepStrictEqual(
            view.actions.map((a) => [a.stepPath, a.status]),
            [["purge", "succeeded"]],
            "exactly one action row",
          )
        }),
      ),
    120_000,
  )
}

describe("crash tests on SQLite", () => {
  suite("sqlite")

  it.live(
    "versioning: v2 starts while v1 runs are parked; after a restart with both versions registered, both finish on their own version",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const env = yield* fresh("sqlite")
          const first = yield* spawnChild(config(env, { playbooks: ["gated@1"] }))
          const v1 = yield* Effect.forEach(["v1-a", "v1-b"], (id) =>
            first.send<{ runId: string }>({ op: "start", playbook: "gated@1", input: { id } }),
          )
          yield* pending(first, 2)
          yield* first.kill()

          const second = yield* spawnChild(config(env, { playbooks: ["gated@1", "gated@2"] }))
          const v2 = yield* second.send<{ runId: string }>({
            op: "start",
            playbook: "gated@2",
            input: { id: "v2-a" },
          })
          assert.match(v2.runId, /^riposte\/gated@2#/)
          const requests = yield* pending(second, 3)
          for (const request of requests) {
            yield* second.send({ op: "decide", requestId: request.id, decision: "approve" })
          }
          for (const { runId } of v1) {
            assert.deepStrictEqual((yield* completed(second, runId)).path, ["a", "ok=approved", "purge", "b"])
          }
          assert.deepStrictEqual((yield* completed(second, v2.runId)).path, ["a2", "ok=approved", "b2"])
          assert.strictEqual(countStep(env.log, "a"), 2)
          assert.strictEqual(countStep(env.log, "b"), 2)
          assert.strictEqual(countStep(env.log, "a2"), 1)
        }),
      ),
    120_000,
  )
})

describe.skipIf(!runPg)("crash tests on Postgres", () => {
  suite("postgres")
})
