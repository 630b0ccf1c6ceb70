/**
 * Tests that only make sense for the SQL adapters: migrations, sharing the caller's
 * transaction, and what `purge` keeps on disk. Run per dialect, like the contract suite.
 */
import { assert, describe, it } from "@effect/vitest"
import { type CaseModel, CaseStore, CaseStoreMemory } from "@riposte/core"
import { Clock, Effect, Exit, type Layer } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import type * as Database from "../src/Database.ts"
import * as Migrations from "../src/Migrations.ts"
import * as SqlCaseStore from "../src/SqlCaseStore.ts"

const base = { severity: "high", playbook: "pb", playbookVersion: "1" } as const
const user = { kind: "user", id: "alice" } as const

export const sqlSuite = (
  name: string,
  dialect: Database.Dialect,
  client: Layer.Layer<SqlClient.SqlClient, unknown>,
): void => {
  const withStore = <A, E>(body: Effect.Effect<A, E, CaseStore.CaseStore | SqlClient.SqlClient>) =>
    Effect.gen(function* () {
      yield* SqlCaseStore.migrate({ dialect })
      return yield* Effect.provide(body, SqlCaseStore.layer({ dialect }))
    }).pipe(Effect.provide(client))
  const count = (table: string, caseId: string) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const param = dialect === "postgres" ? "$1" : "?"
      const rows = yield* sql.unsafe<{ n: number | string }>(
        `select count(*) as n from ${table} where case_id = ${param}`,
        [caseId],
      )
      return Number(rows[0]?.n)
    })

  describe(`SqlCaseStore: ${name}`, () => {
    it.effect("migrations apply from empty and are idempotent", () =>
      Effect.gen(function* () {
        const first = yield* Migrations.migrate(dialect)
        assert.deepStrictEqual(
          first,
          Migrations.migrations.map((m) => m.version),
        )
        const again = yield* Migrations.migrate(dialect)
        assert.deepStrictEqual(again, [])
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql.unsafe<{ version: number | string }>(
          "select version from riposte_case_migrations",
        )
        assert.deepStrictEqual(
          rows.map((r) => Number(r.version)).sort((a, b) => a - b),
          Migrations.migrations.map((m) => m.version),
        )
        // Every table exists and is queryable.
        for (const table of [
          "riposte_cases",
          "riposte_case_alerts",
          "riposte_case_observables",
          "riposte_case_enrichments",
          "riposte_case_actions",
          "riposte_case_approvals",
          "riposte_case_timeline",
          "riposte_case_notes",
          "riposte_case_artifacts",
        ]) {
          yield* sql.unsafe(`select count(*) from ${table}`)
        }
      }).pipe(Effect.provide(client)),
    )

    it.effect("case writes join the caller's SqlClient transaction (rolled back together)", () =>
      withStore(
        Effect.gen(function* () {
          const store = yield* CaseStore.CaseStore
          const sql = yield* SqlClient.SqlClient
          let opened = ""
          const exit = yield* Effect.exit(
            sql.withTransaction(
              Effect.gen(function* () {
                const { case: c } = yield* store.open({ ...base, title: "rolled back" })
                opened = c.id
                yield* store.update(c.id, { status: "triaged" }, user)
                return yield* Effect.fail("boom")
              }),
            ),
          )
          assert.isTrue(Exit.isFailure(exit))
          assert.notStrictEqual(opened, "")
          assert.strictEqual((yield* Effect.flip(store.get(opened))).reason, "NotFound")
          const { case: kept } = yield* sql.withTransaction(store.open({ ...base, title: "committed" }))
          assert.strictEqual((yield* store.get(kept.id)).title, "committed")
        }),
      ),
    )

    it.effect("concurrent opens with one dedup key open one case; concurrent appends get distinct seqs", () =>
      withStore(
        Effect.gen(function* () {
          const store = yield* CaseStore.CaseStore
          const results = yield* Effect.all(
            Array.from({ length: 8 }, (_, i) =>
              store.open({ ...base, title: `alert ${i}`, dedupKey: "same", alert: { i } }),
            ),
            { concurrency: "unbounded" },
          )
          assert.strictEqual(results.filter((r) => !r.attached).length, 1)
          const id = results[0]?.case.id ?? ""
          assert.isTrue(results.every((r) => r.case.id === id))
          yield* Effect.all(
            Array.from({ length: 12 }, (_, i) =>
              store.appendTimeline(id, { kind: "step.started", actor: user, message: `step ${i}` }),
            ),
            { concurrency: "unbounded" },
          )
          const v = yield* store.view(id)
          assert.strictEqual(v.alerts.length, 8)
          assert.deepStrictEqual(
            v.timeline.map((e) => e.seq),
            Array.from({ length: 20 }, (_, i) => i + 1),
          )
        }),
      ),
    )

    it.effect("observable batches larger than one statement merge like the in-memory store", () =>
      withStore(
        Effect.gen(function* () {
          // 260 inputs, 210 distinct, after one existing: more than one chunk of selects and inserts.
          const batch = Array.from({ length: 260 }, (_, i) => ({
            type: "domain" as const,
            raw: `D${i % 210}.example`,
            source: `s${i % 4}`,
            verdict: i === 215 ? ("malicious" as const) : ("unknown" as const),
          }))
          const scenario = Effect.gen(function* () {
            const store = yield* CaseStore.CaseStore
            const start = yield* Clock.currentTimeMillis
            const id = (yield* store.open({ ...base, title: "many" })).case.id
            yield* store.addObservables(id, [{ type: "domain", raw: "d3.example", source: "first" }])
            yield* TestClock.adjust(10)
            const added = yield* store.addObservables(id, batch)
            const viewed = (yield* store.view(id)).observables
            const plain = (os: ReadonlyArray<CaseModel.ObservableRecord>) =>
              os.map(({ caseId: _, ...o }) => ({
                ...o,
                firstSeen: o.firstSeen - start,
                lastSeen: o.lastSeen - start,
              }))
            const byValue = (os: ReadonlyArray<CaseModel.ObservableRecord>) =>
              plain(os).sort((x, y) => (x.value < y.value ? -1 : 1))
            return { added: plain(added), viewed: byValue(viewed), rows: viewed.length }
          })
          const sqlResult = yield* scenario
          const memoryResult = yield* Effect.provide(scenario, CaseStoreMemory.layer)
          assert.strictEqual(sqlResult.rows, 210)
          assert.deepStrictEqual(sqlResult.added[3]?.sources, ["first", "s3", "s1"])
          assert.deepStrictEqual(sqlResult, memoryResult)
        }),
      ),
    )

    it.effect("a record or event for a missing case fails with NotFound and writes nothing", () =>
      withStore(
        Effect.gen(function* () {
          const store = yield* CaseStore.CaseStore
          const missing = "no-such-case"
          const reasons = yield* Effect.all(
            [
              store.addEnrichment({
                caseId: missing,
                observable: null,
                connector: "c",
                action: "a",
                resultRef: null,
                verdict: "unknown",
                score: null,
                summary: null,
              }),
              store.recordAction({
                caseId: missing,
                stepPath: "s",
                connector: "c",
                action: "a",
                kind: "write",
                inputHash: "h",
                input: null,
                outputSummary: null,
                status: "succeeded",
                idempotencyKey: "k",
                approvalRef: null,
                actor: user,
              }),
              store.addNote(missing, "alice", "n"),
              store.addArtifact({
                caseId: missing,
                name: "a",
                contentType: "text/plain",
                size: 1,
                sha256: "a".repeat(64),
                storageRef: "r",
              }),
              store.appendTimeline(missing, { kind: "step.started", actor: user, message: "m" }),
              store.addObservables(missing, [{ type: "domain", raw: "x.example" }]),
            ].map((e) => Effect.map(Effect.flip(e), (error) => error.reason)),
          )
          assert.deepStrictEqual(reasons, Array(6).fill("NotFound"))
          for (const table of [
            "riposte_case_enrichments",
            "riposte_case_actions",
            "riposte_case_notes",
            "riposte_case_artifacts",
            "riposte_case_timeline",
            "riposte_case_observables",
          ]) {
            assert.strictEqual(yield* count(table, missing), 0, table)
          }
        }),
      ),
    )

    it.effect("purge keeps actions, approvals and timeline rows only with keepAudit", () =>
      withStore(
        Effect.gen(function* () {
          const store = yield* CaseStore.CaseStore
          const audited = (yield* store.open({ ...base, title: "a" })).case.id
          const wiped = (yield* store.open({ ...base, title: "b" })).case.id
          for (const id of [audited, wiped]) {
            yield* store.addObservables(id, [{ type: "domain", raw: `${id}.example` }])
            yield* store.addNote(id, "alice", "n")
            yield* store.recordAction({
              caseId: id,
              stepPath: "s",
              connector: "c",
              action: "a",
              kind: "write",
              inputHash: "h",
              input: { x: 1 },
              outputSummary: null,
              status: "succeeded",
              idempotencyKey: `k-${id}`,
              approvalRef: null,
              actor: user,
            })
          }
          yield* store.requestApproval({
            id: "ap-audit",
            caseId: audited,
            runId: "r",
            gate: "g",
            summary: "s",
            payloadHash: "p",
            decision: "pending",
            approvers: [],
            roles: [],
            quorum: 1,
            requester: "pb",
            comment: null,
            requestedAt: 0,
            decidedAt: null,
            expiresAt: 10,
          })
          yield* store.update(audited, { status: "closed" }, user)
          yield* TestClock.adjust(1_000)
          yield* store.update(wiped, { status: "closed" }, user)
          assert.strictEqual(yield* store.purge({ before: 1, keepAudit: true }), 1)
          assert.strictEqual(yield* store.purge({ before: 2_000, keepAudit: false }), 1)
          const left = (id: string) =>
            Effect.all([
              count("riposte_case_actions", id),
              count("riposte_case_approvals", id),
              Effect.map(count("riposte_case_timeline", id), (n) => n > 0),
              count("riposte_case_observables", id),
              count("riposte_case_notes", id),
            ])
          assert.deepStrictEqual(yield* left(audited), [1, 1, true, 0, 0])
          assert.deepStrictEqual(yield* left(wiped), [0, 0, false, 0, 0])
        }),
      ),
    )
  })
}
