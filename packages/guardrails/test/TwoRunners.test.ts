/**
 * Budgets and scope rules across TWO durable runners on Postgres, in one test process: two
 * `Durable.runner` cluster members (TCP between them, shards split by Postgres advisory locks)
 * on one fresh database, sharing the budget counters and the SQL case store. Each runner's guard activity
 * reserves inside its own journal transaction (WithTransaction).
 *
 * (Two `Durable.postgres` single runners on one database do not work: their shard advisory
 * locks are database-wide, so the second never acquires shards and its runs never start.)
 */

import { randomUUID } from "node:crypto"
import { createServer } from "node:net"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { SqlCaseStore } from "@riposte/case-store"
import { CaseStore, Engine } from "@riposte/core"
import { Durable } from "@riposte/runtime"
import { type Context, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { BudgetCounters, Guardrails, Migrations, Scope } from "../src/index.ts"
import { admin, pgUnavailable, pgUrl } from "./backends.ts"
import { containHosts, makeWorld, mocks, type World } from "./fixtures.ts"

const LIMIT = 4
const PER_ENGINE = 5

const urlOf = (database: string) => {
  const url = new URL(Redacted.value(pgUrl))
  url.pathname = `/${database}`
  return url.toString()
}

const freePort = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const server = createServer()
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    }),
)

/** A runner; `checked` counts the calls its guardrails evaluated (where guard activities ran). */
const runner = (world: World, checked: { n: number }, database: string, port: number) =>
  Engine.layer({ playbooks: [containHosts] }).pipe(
    Layer.provideMerge(SqlCaseStore.layer({ dialect: "postgres" })),
    Layer.provide(
      Guardrails.layer({
        budgets: { global: { host: { perHour: LIMIT } } },
        onOverBudget: "fail",
        scope: [
          Scope.neverIsolateTagged({
            tag: "domain-controller",
            lookupTags: (host) =>
              Effect.sync(() => {
                checked.n++
                return host.startsWith("dc") ? ["domain-controller"] : []
              }),
          }),
        ],
      }).pipe(Layer.provide(BudgetCounters.layerSql)),
    ),
    Layer.provide(mocks(world)),
    Layer.provide(Durable.runner({ url: urlOf(database), host: "127.0.0.1", port, maxConnections: 6 })),
  )

describe.skipIf(pgUnavailable !== undefined)("two durable engines on Postgres share budgets", () => {
  it.live(
    `${2 * PER_ENGINE} host isolations (plus 2 domain controllers) across two engines: exactly ${LIMIT} run`,
    () => {
      // One mock world per runner: where each isolation actually executed.
      const [worldA, worldB] = [makeWorld(), makeWorld()]
      const [checkedA, checkedB] = [{ n: 0 }, { n: 0 }]
      const id = randomUUID().replaceAll("-", "").slice(0, 12)
      const database = `riposte_guard_${id}`
      return Effect.gen(function* () {
        yield* Effect.acquireRelease(admin(`create database ${database}`), () =>
          Effect.ignore(admin(`drop database if exists ${database} with (force)`)),
        )
        const sharedClient = PgClient.layer({ url: Redacted.make(urlOf(database)) })
        yield* Migrations.migrate.pipe(Effect.provide(sharedClient))
        yield* SqlCaseStore.migrate({ dialect: "postgres" }).pipe(Effect.provide(sharedClient))

        const a = yield* Layer.build(runner(worldA, checkedA, database, yield* freePort))
        const b = yield* Layer.build(runner(worldB, checkedB, database, yield* freePort))
        // Let both runners register and split the shards (assignments refresh every second).
        yield* Effect.sleep("4 seconds")
        const started = Date.now()
        const runOn = (ctx: Context.Context<Engine.Engine | CaseStore.CaseStore>, host: string) =>
          Effect.gen(function* () {
            const engine = yield* Engine.Engine
            const store = yield* CaseStore.CaseStore
            const result = yield* engine.run(containHosts, { incident: `inc-${host}`, hosts: [host] })
            return (yield* store.view(result.caseId)).actions
          }).pipe(Effect.provide(ctx))
        const hostsA = [...Array.from({ length: PER_ENGINE }, (_, i) => `a${i}`), "dc-a"]
        const hostsB = [...Array.from({ length: PER_ENGINE }, (_, i) => `b${i}`), "dc-b"]
        // Interleaved submissions through both runners, all in flight at once.
        const runs = hostsA.flatMap((h, i) => [runOn(a, h), runOn(b, hostsB[i]!)])
        const actions = (yield* Effect.all(runs, { concurrency: "unbounded" })).flat()
        const elapsed = Date.now() - started

        const succeeded = actions.filter((x) => x.status === "succeeded")
        const blocked = actions.filter((x) => x.status === "blocked")
        assert.strictEqual(succeeded.length, LIMIT)
        assert.strictEqual(blocked.length, 2 * PER_ENGINE + 2 - LIMIT)
        const isolations = [...worldA.calls, ...worldB.calls].filter((c) => c.call === "edr.isolate")
        assert.strictEqual(isolations.length, LIMIT)
        const isolated = new Set([...worldA.isolated, ...worldB.isolated])
        assert.isFalse(isolated.has("dc-a") || isolated.has("dc-b"))
        const scopeBlocked = blocked.filter((x) => (x.outputSummary ?? "").includes("domain-controller"))
        assert.strictEqual(scopeBlocked.length, 2)
        assert.strictEqual(
          blocked.filter((x) => (x.outputSummary ?? "").startsWith("budget exceeded")).length,
          2 * PER_ENGINE - LIMIT,
        )
        // Guard activities ran on both runners, and the durable counter says exactly LIMIT.
        assert.strictEqual(checkedA.n + checkedB.n, 2 * PER_ENGINE + 2)
        assert.isAbove(checkedA.n, 0)
        assert.isAbove(checkedB.n, 0)
        console.log(
          `two runners: ${2 * PER_ENGINE + 2} runs in ${elapsed} ms; guard checks on runner A=${checkedA.n} B=${checkedB.n}; isolations executed on A=${worldA.isolated.size} B=${worldB.isolated.size}; slots went to ${[...isolated].sort().join(",")}`,
        )
        const rows = yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{
            scope_key: string
            count: string | number
          }>`select scope_key, count from riposte_budget_counters`
        }).pipe(Effect.provide(sharedClient))
        assert.deepStrictEqual(
          rows.map((r) => [r.scope_key, Number(r.count)]),
          [["tenant:default", LIMIT]],
        )
      }).pipe(Effect.scoped)
    },
    120_000,
  )
})
