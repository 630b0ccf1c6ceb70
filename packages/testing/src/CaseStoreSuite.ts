/**
 * The contract suite every `CaseStore` adapter must pass, run unchanged on memory, SQLite and
 * Postgres. Each test gets a fresh store built from `layer`; time is driven by `TestClock`.
 * Imported from `@riposte/testing` (or `@riposte/testing/CaseStoreSuite`);
 * `@riposte/case-store/CaseStoreSuite` re-exports it. It depends on vitest.
 *
 * @since 0.1.0
 */
import { assert, describe, it } from "@effect/vitest"
import type { CaseModel, CaseStore } from "@riposte/core"
import { Effect, type Layer } from "effect"
import { TestClock } from "effect/testing"
import { action, approval, base, failure, HOUR, store, user } from "./internal/SuiteFixtures.ts"
import { records } from "./internal/SuiteRecords.ts"

/**
 * Declares the contract tests for one adapter.
 *
 * @example
 * ```ts
 * CaseStoreSuite.suite("memory", CaseStoreMemory.layer)
 * ```
 */
export const suite = (name: string, layer: Layer.Layer<CaseStore.CaseStore, unknown>): void => {
  const test = (title: string, body: () => Effect.Effect<void, unknown, CaseStore.CaseStore>) =>
    it.effect(title, () => Effect.provide(Effect.suspend(body), layer), 30_000)

  describe(`CaseStore contract: ${name}`, () => {
    records(test)

    test("open creates a case with defaults and an opening timeline event", () =>
      Effect.gen(function* () {
        const s = yield* store
        yield* TestClock.adjust(5_000)
        const { case: c, attached } = yield* s.open({ ...base, title: "Suspicious mail", tags: ["mail"] })
        assert.isFalse(attached)
        assert.strictEqual(c.status, "new")
        assert.strictEqual(c.tenant, "default")
        assert.strictEqual(c.createdAt, 5_000)
        assert.deepStrictEqual(c.tags, ["mail"])
        assert.isNull(c.acknowledgedAt)
        assert.deepStrictEqual(yield* s.get(c.id), c)
        const v = yield* s.view(c.id)
        assert.deepStrictEqual(
          v.timeline.map((e) => [e.seq, e.kind]),
          [[1, "case.opened"]],
        )
        assert.strictEqual((yield* failure(s.get("missing"))).reason, "NotFound")
      }))

    test("invalid new case and invalid patch fail with Invalid and the path", () =>
      Effect.gen(function* () {
        const s = yield* store
        const e1 = yield* failure(s.open({ ...base, title: "" }))
        assert.strictEqual(e1.reason, "Invalid")
        assert.strictEqual(e1.path, "case.title")
        const e2 = yield* failure(s.open({ ...base, severity: "urgent" as never, title: "x" }))
        assert.strictEqual(e2.path, "case.severity")
        const { case: c } = yield* s.open({ ...base, title: "t" })
        const e3 = yield* failure(s.update(c.id, { status: "done" as never }, user))
        assert.strictEqual(e3.reason, "Invalid")
        assert.strictEqual(e3.path, "patch.status")
        assert.strictEqual((yield* s.get(c.id)).status, "new")
        const huge = yield* failure(s.open({ ...base, title: "big", alert: { blob: "x".repeat(1_100_000) } }))
        assert.strictEqual(huge.reason, "Invalid")
        assert.strictEqual(huge.path, "case.alert")
        // What a database cannot store faithfully is rejected up front, identically on every adapter.
        const nul = yield* failure(s.open({ ...base, title: "a\u0000b" }))
        assert.deepStrictEqual([nul.reason, nul.path], ["Invalid", "case.title"])
        const nulNote = yield* failure(s.addNote(c.id, "eve", "x\u0000"))
        assert.deepStrictEqual([nulNote.reason, nulNote.path], ["Invalid", "note.text"])
        const enrichment = {
          caseId: c.id,
          observable: null,
          connector: "x",
          action: "y",
          resultRef: null,
          verdict: "unknown",
          summary: null,
        } as const
        const nan = yield* failure(s.addEnrichment({ ...enrichment, score: Number.NaN }))
        assert.deepStrictEqual([nan.reason, nan.path], ["Invalid", "enrichment.score"])
        const fractional = yield* failure(s.addEnrichment({ ...enrichment, score: 1, at: 1.5 }))
        assert.deepStrictEqual([fractional.reason, fractional.path], ["Invalid", "enrichment.at"])
        const longTag = yield* failure(s.open({ ...base, title: "t", tags: ["x".repeat(100_001)] }))
        assert.deepStrictEqual([longTag.reason, longTag.path], ["Invalid", "case.tags.0"])
        const manyTags = yield* failure(
          s.open({ ...base, title: "t", tags: Array.from({ length: 10_001 }, () => "x") }),
        )
        assert.deepStrictEqual([manyTags.reason, manyTags.path], ["Invalid", "case.tags"])
        const batch = Array.from({ length: 10_001 }, () => ({ type: "domain", raw: "a.example" }) as const)
        assert.strictEqual((yield* failure(s.addObservables(c.id, batch))).path, "observables")
        // NUL inside a JSON document is escaped by JSON and stored intact.
        const { case: withNul } = yield* s.open({ ...base, title: "doc", alert: { s: "a\u0000b" } })
        assert.deepStrictEqual((yield* s.view(withNul.id)).alerts, [{ s: "a\u0000b" }])
        assert.deepStrictEqual((yield* s.view(c.id)).enrichments, [])
      }))

    test("dedup attaches within the window, stores the alert and appends alert.attached", () =>
      Effect.gen(function* () {
        const s = yield* store
        const first = yield* s.open({ ...base, title: "a", dedupKey: "k1", alert: { id: 1 } })
        yield* TestClock.adjust(23 * HOUR)
        const second = yield* s.open({ ...base, title: "a again", dedupKey: "k1", alert: { id: 2 } })
        assert.isTrue(second.attached)
        assert.strictEqual(second.case.id, first.case.id)
        const v = yield* s.view(first.case.id)
        assert.deepStrictEqual(v.alerts, [{ id: 1 }, { id: 2 }])
        assert.deepStrictEqual(
          v.timeline.map((e) => [e.seq, e.kind]),
          [
            [1, "case.opened"],
            [2, "alert.attached"],
          ],
        )
        const other = yield* s.open({ ...base, title: "other tenant", dedupKey: "k1", tenant: "acme" })
        assert.isFalse(other.attached)
      }))

    test("dedup does not attach after the window (default and custom)", () =>
      Effect.gen(function* () {
        const s = yield* store
        const first = yield* s.open({ ...base, title: "a", dedupKey: "k2" })
        yield* TestClock.adjust(25 * HOUR)
        const late = yield* s.open({ ...base, title: "a", dedupKey: "k2" })
        assert.isFalse(late.attached)
        assert.notStrictEqual(late.case.id, first.case.id)
        yield* TestClock.adjust(10_000)
        const tight = yield* s.open({ ...base, title: "a", dedupKey: "k2" }, { dedupWindowMillis: 5_000 })
        assert.isFalse(tight.attached)
        const wide = yield* s.open({ ...base, title: "a", dedupKey: "k2" }, { dedupWindowMillis: 30 * HOUR })
        assert.isTrue(wide.attached)
        assert.strictEqual(wide.case.id, tight.case.id)
      }))

    test("dedup does not attach to closed cases", () =>
      Effect.gen(function* () {
        const s = yield* store
        const first = yield* s.open({ ...base, title: "a", dedupKey: "k3" })
        yield* s.update(first.case.id, { status: "closed", resolution: "false positive" }, user)
        const next = yield* s.open({ ...base, title: "a", dedupKey: "k3" })
        assert.isFalse(next.attached)
        assert.notStrictEqual(next.case.id, first.case.id)
      }))

    test("update stamps SLA timestamps and appends timeline events with increasing seq", () =>
      Effect.gen(function* () {
        const s = yield* store
        const { case: c } = yield* s.open({ ...base, title: "t" })
        yield* TestClock.adjust(1_000)
        const triaged = yield* s.update(c.id, { status: "triaged", assignee: "alice" }, user)
        assert.strictEqual(triaged.acknowledgedAt, 1_000)
        assert.strictEqual(triaged.assignee, "alice")
        assert.isNull(triaged.containedAt)
        yield* TestClock.adjust(1_000)
        const contained = yield* s.update(c.id, { status: "contained", severity: "critical" }, user)
        assert.strictEqual(contained.acknowledgedAt, 1_000)
        assert.strictEqual(contained.containedAt, 2_000)
        assert.strictEqual(contained.severity, "critical")
        yield* TestClock.adjust(1_000)
        yield* s.update(c.id, { status: "resolved" }, user)
        yield* TestClock.adjust(1_000)
        const closed = yield* s.update(c.id, { status: "closed", resolution: "contained" }, user)
        assert.deepStrictEqual(
          [closed.acknowledgedAt, closed.containedAt, closed.resolvedAt, closed.closedAt, closed.updatedAt],
          [1_000, 2_000, 3_000, 4_000, 4_000],
        )
        assert.strictEqual(closed.resolution, "contained")
        // Re-opening clears closedAt and keeps the first milestones.
        yield* TestClock.adjust(1_000)
        const reopened = yield* s.update(c.id, { status: "triaged" }, user)
        assert.deepStrictEqual(
          [reopened.status, reopened.acknowledgedAt, reopened.resolvedAt, reopened.closedAt],
          ["triaged", 1_000, 3_000, null],
        )
        yield* TestClock.adjust(1_000)
        assert.strictEqual((yield* s.update(c.id, { status: "closed" }, user)).closedAt, 6_000)
        const v = yield* s.view(c.id)
        assert.deepStrictEqual(
          v.timeline.map((e) => e.seq),
          v.timeline.map((_, i) => i + 1),
        )
        const statuses = v.timeline.filter((e) => e.kind === "case.status")
        assert.deepStrictEqual(
          statuses.map((e) => e.data),
          [
            { from: "new", to: "triaged" },
            { from: "triaged", to: "contained" },
            { from: "contained", to: "resolved" },
            { from: "resolved", to: "closed" },
            { from: "closed", to: "triaged" },
            { from: "triaged", to: "closed" },
          ],
        )
        assert.deepStrictEqual(statuses[0]?.actor, user)
        assert.isTrue(v.timeline.some((e) => e.kind === "case.updated"))
        // Jumping straight from new to resolved implies acknowledgement and containment.
        const { case: d } = yield* s.open({ ...base, title: "jump" })
        yield* TestClock.adjust(500)
        const jumped = yield* s.update(d.id, { status: "resolved" }, user)
        assert.deepStrictEqual(
          [jumped.acknowledgedAt, jumped.containedAt, jumped.resolvedAt],
          [6_500, 6_500, 6_500],
        )
      }))

    test("list filters by status, severity, playbook, tenant, observable, time range and limit", () =>
      Effect.gen(function* () {
        const s = yield* store
        const { case: a } = yield* s.open({ ...base, title: "a", severity: "low", playbook: "p1" })
        yield* TestClock.adjust(1_000)
        const { case: b } = yield* s.open({
          ...base,
          title: "b",
          severity: "high",
          playbook: "p2",
          tenant: "acme",
        })
        yield* TestClock.adjust(1_000)
        const { case: c } = yield* s.open({ ...base, title: "c", severity: "critical", playbook: "p1" })
        yield* s.update(c.id, { status: "triaged" }, user)
        yield* s.addObservables(b.id, [{ type: "domain", raw: "Bad.example" }])
        const ids = (rs: ReadonlyArray<CaseModel.CaseRecord>) => rs.map((r) => r.title)
        assert.deepStrictEqual(ids(yield* s.list()), ["c", "b", "a"])
        assert.deepStrictEqual(ids(yield* s.list({ status: ["triaged"] })), ["c"])
        assert.deepStrictEqual(ids(yield* s.list({ status: ["new", "closed"] })), ["b", "a"])
        assert.deepStrictEqual(ids(yield* s.list({ severity: ["low", "critical"] })), ["c", "a"])
        assert.deepStrictEqual(ids(yield* s.list({ playbook: "p2" })), ["b"])
        assert.deepStrictEqual(ids(yield* s.list({ tenant: "acme" })), ["b"])
        assert.deepStrictEqual(ids(yield* s.list({ observableValue: "bad.example" })), ["b"])
        assert.deepStrictEqual(ids(yield* s.list({ from: 1_000, to: 2_000 })), ["b"])
        assert.deepStrictEqual(ids(yield* s.list({ from: 1_000 })), ["c", "b"])
        assert.deepStrictEqual(ids(yield* s.list({ limit: 2 })), ["c", "b"])
        assert.deepStrictEqual(ids(yield* s.list({ playbook: "p1", severity: ["low"] })), ["a"])
        assert.deepStrictEqual(ids(yield* s.list({ status: [] })), [])
        assert.strictEqual((yield* failure(s.list({ limit: -1 }))).reason, "Invalid")
        assert.strictEqual((yield* failure(s.list({ severity: ["bad" as never] }))).path, "filter.severity.0")
        assert.strictEqual(a.id === b.id, false)
      }))

    test("metrics: p50/p90 per playbook and severity over the time range", () =>
      Effect.gen(function* () {
        const s = yield* store
        const open = (title: string, severity: CaseModel.Severity, playbook = "pb") =>
          Effect.map(s.open({ ...base, title, severity, playbook }), (r) => r.case.id)
        const a = yield* open("a", "high")
        const b = yield* open("b", "high")
        const c = yield* open("c", "high")
        const d = yield* open("d", "low")
        const dup = yield* open("dup", "low")
        yield* TestClock.adjust(10_000)
        yield* s.update(a, { status: "triaged" }, user)
        yield* TestClock.adjust(10_000)
        yield* s.update(b, { status: "triaged" }, user)
        yield* s.update(d, { status: "contained" }, user)
        yield* TestClock.adjust(20_000)
        yield* s.update(c, { status: "triaged" }, user)
        yield* TestClock.adjust(20_000)
        yield* s.update(a, { status: "resolved" }, user)
        yield* open("late", "high") // created at 60 s: outside [0, 1000)
        // A case merged into another is a duplicate: excluded from the metrics.
        yield* s.update(dup, { status: "triaged" }, user)
        yield* s.merge(dup, d, user)
        const m = yield* s.metrics({ from: 0, to: 1_000 })
        assert.deepStrictEqual(m, [
          {
            playbook: "pb",
            severity: "high",
            cases: 3,
            mtta: { count: 3, p50: 20_000, p90: 36_000 },
            mttc: { count: 1, p50: 60_000, p90: 60_000 },
            mttr: { count: 1, p50: 60_000, p90: 60_000 },
          },
          {
            playbook: "pb",
            severity: "low",
            cases: 1,
            mtta: { count: 1, p50: 20_000, p90: 20_000 },
            mttc: { count: 1, p50: 20_000, p90: 20_000 },
            mttr: { count: 0, p50: null, p90: null },
          },
        ])
        const all = yield* s.metrics({ from: 0, to: 100_000 })
        assert.strictEqual(all.find((g) => g.severity === "high")?.cases, 4)
      }))

    test("purge deletes closed cases closed before the cutoff, with and without keepAudit", () =>
      Effect.gen(function* () {
        const s = yield* store
        const { case: old1 } = yield* s.open({ ...base, title: "old1" })
        const { case: old2 } = yield* s.open({ ...base, title: "old2" })
        const { case: open } = yield* s.open({ ...base, title: "open" })
        yield* s.recordAction(action(old1.id))
        yield* s.addObservables(old1.id, [{ type: "domain", raw: "gone.example" }])
        yield* s.update(old1.id, { status: "closed" }, user)
        yield* TestClock.adjust(HOUR)
        yield* s.update(old2.id, { status: "closed" }, user)
        assert.strictEqual(yield* s.purge({ before: 1, keepAudit: true }), 1)
        assert.strictEqual((yield* failure(s.view(old1.id))).reason, "NotFound")
        assert.deepStrictEqual(yield* s.list({ observableValue: "gone.example" }), [])
        assert.strictEqual((yield* s.get(old2.id)).status, "closed")
        assert.strictEqual(yield* s.purge({ before: HOUR, keepAudit: false }), 0)
        assert.strictEqual(yield* s.purge({ before: HOUR + 1, keepAudit: false }), 1)
        assert.strictEqual((yield* failure(s.get(old2.id))).reason, "NotFound")
        assert.strictEqual((yield* s.get(open.id)).status, "new")
      }))

    test("view returns the case and everything attached to it", () =>
      Effect.gen(function* () {
        const s = yield* store
        const { case: c } = yield* s.open({ ...base, title: "full", alert: { subject: "hi" } })
        yield* s.addObservables(c.id, [{ type: "email", raw: "Bob@Example.COM" }])
        yield* s.addEnrichment({
          caseId: c.id,
          observable: null,
          connector: "x",
          action: "y",
          resultRef: null,
          verdict: "benign",
          score: null,
          summary: null,
        })
        yield* s.recordAction(action(c.id, { status: "planned", input: null }))
        yield* s.requestApproval(approval(c.id, "ap-v"))
        yield* s.addNote(c.id, "bob", "n")
        yield* s.addArtifact({
          caseId: c.id,
          name: "a",
          contentType: "text/plain",
          size: 1,
          sha256: "b".repeat(64),
          storageRef: "ref",
        })
        const v = yield* s.view(c.id)
        assert.deepStrictEqual(v.case, yield* s.get(c.id))
        assert.deepStrictEqual(v.alerts, [{ subject: "hi" }])
        assert.strictEqual(v.observables[0]?.value, "bob@example.com")
        assert.strictEqual(v.enrichments.length, 1)
        assert.isNull(v.actions[0]?.input)
        assert.strictEqual(v.approvals[0]?.id, "ap-v")
        assert.strictEqual(v.notes.length, 1)
        assert.strictEqual(v.artifacts.length, 1)
        assert.strictEqual(v.timeline.length, 5)
      }))
  })
}
