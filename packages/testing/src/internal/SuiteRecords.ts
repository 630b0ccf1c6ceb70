/**
 * Contract tests for what hangs off a case: observables, enrichments, actions, notes,
 * artifacts, timeline events, approvals and merging.
 */
import { assert } from "@effect/vitest"
import type { CaseModel } from "@riposte/core"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { action, approval, base, failure, HOUR, store, type Test, user } from "./SuiteFixtures.ts"

export const records = (test: Test): void => {
  test("observables: unknown type and bad values are rejected", () =>
    Effect.gen(function* () {
      const s = yield* store
      const { case: c } = yield* s.open({ ...base, title: "t" })
      const e1 = yield* failure(s.addObservables(c.id, [{ type: "bitcoin" as never, raw: "1abc" }]))
      assert.strictEqual(e1.reason, "Invalid")
      assert.strictEqual(e1.path, "observables.0.type")
      const e2 = yield* failure(
        s.addObservables(c.id, [
          { type: "domain", raw: "example.com" },
          { type: "ipv4", raw: "999.1.1.1" },
        ]),
      )
      assert.strictEqual(e2.reason, "Invalid")
      assert.strictEqual(e2.path, "observables.1.raw")
      // Nothing from a rejected batch is stored.
      assert.deepStrictEqual((yield* s.view(c.id)).observables, [])
      assert.strictEqual((yield* failure(s.addObservables("missing", []))).reason, "NotFound")
    }))

  test("observables: normalization keeps raw, and (type, value) is unique with merged sources/verdict", () =>
    Effect.gen(function* () {
      const s = yield* store
      const { case: c } = yield* s.open({ ...base, title: "t" })
      const added = yield* s.addObservables(c.id, [
        { type: "url", raw: "hxxps://EXAMPLE[.]com/Login", source: "mail", verdict: "suspicious" },
        { type: "domain", raw: "EVIL.Example.COM", source: "mail" },
      ])
      assert.deepStrictEqual(
        added.map((o) => [o.type, o.value, o.raw]),
        [
          ["url", "https://example.com/Login", "hxxps://EXAMPLE[.]com/Login"],
          ["domain", "evil.example.com", "EVIL.Example.COM"],
        ],
      )
      yield* TestClock.adjust(7_000)
      const again = yield* s.addObservables(c.id, [
        { type: "domain", raw: "evil.example.com", source: "vt", verdict: "malicious" },
        { type: "domain", raw: "evil[.]example[.]com", source: "mail", verdict: "benign" },
      ])
      assert.strictEqual(again.length, 1)
      const o = again[0]
      assert.strictEqual(o?.verdict, "malicious")
      assert.deepStrictEqual([...(o?.sources ?? [])].sort(), ["mail", "vt"])
      assert.strictEqual(o?.firstSeen, 0)
      assert.strictEqual(o?.lastSeen, 7_000)
      assert.strictEqual(o?.raw, "EVIL.Example.COM")
      const v = yield* s.view(c.id)
      assert.strictEqual(v.observables.length, 2)
      assert.strictEqual(v.observables.find((x) => x.type === "domain")?.verdict, "malicious")
    }))

  test("enrichments, actions, notes, artifacts and custom timeline events are recorded", () =>
    Effect.gen(function* () {
      const s = yield* store
      const { case: c } = yield* s.open({ ...base, title: "t" })
      yield* TestClock.adjust(1_000)
      yield* s.addEnrichment({
        caseId: c.id,
        observable: "evil.example.com",
        connector: "virustotal",
        action: "domainReport",
        resultRef: "vt:1",
        verdict: "malicious",
        score: 0.97,
        summary: "62/90 engines",
      })
      yield* s.recordAction(action(c.id))
      const note = yield* s.addNote(c.id, "alice", "Called the user.")
      assert.deepStrictEqual(note, { caseId: c.id, at: 1_000, author: "alice", text: "Called the user." })
      yield* s.addArtifact({
        caseId: c.id,
        name: "mail.eml",
        contentType: "message/rfc822",
        size: 1234,
        sha256: "a".repeat(64),
        storageRef: "s3://bucket/mail.eml",
      })
      const ev = yield* s.appendTimeline(c.id, {
        kind: "step.completed",
        actor: { kind: "playbook", id: "phish" },
        message: "enrich done",
        data: { step: "enrich", n: 2 },
      })
      const v = yield* s.view(c.id)
      assert.strictEqual(ev.seq, v.timeline.length)
      assert.deepStrictEqual(v.timeline.at(-1), ev)
      assert.deepStrictEqual(ev.data, { step: "enrich", n: 2 })
      assert.deepStrictEqual(v.enrichments, [
        {
          caseId: c.id,
          observable: "evil.example.com",
          connector: "virustotal",
          action: "domainReport",
          resultRef: "vt:1",
          verdict: "malicious",
          score: 0.97,
          summary: "62/90 engines",
          at: 1_000,
        },
      ])
      assert.deepStrictEqual(v.actions, [{ ...action(c.id), at: 1_000 }])
      assert.deepStrictEqual(v.notes, [note])
      assert.strictEqual(v.artifacts[0]?.storageRef, "s3://bucket/mail.eml")
      assert.strictEqual(v.artifacts[0]?.at, 1_000)
      assert.deepStrictEqual(
        v.timeline.map((e) => e.kind),
        ["case.opened", "enrichment", "action", "note", "artifact", "step.completed"],
      )
      assert.strictEqual((yield* failure(s.addNote(c.id, "a", "x".repeat(100_001)))).reason, "Invalid")
      assert.strictEqual((yield* failure(s.recordAction(action("missing")))).reason, "NotFound")
      const badKind = yield* failure(
        s.appendTimeline(c.id, { kind: "hack" as never, actor: user, message: "m" }),
      )
      assert.strictEqual(badKind.path, "event.kind")
    }))

  test("approvals: request, partial votes, escalation, final decision once, filters", () =>
    Effect.gen(function* () {
      const s = yield* store
      const { case: c } = yield* s.open({ ...base, title: "t" })
      yield* s.requestApproval({ ...approval(c.id, "ap-1"), quorum: 2 })
      assert.strictEqual((yield* failure(s.requestApproval(approval(c.id, "ap-1")))).reason, "Conflict")
      assert.strictEqual((yield* failure(s.requestApproval(approval("missing", "ap-x")))).reason, "NotFound")
      yield* TestClock.adjust(10_000)
      // A partial vote keeps the request open.
      const partial = yield* s.decideApproval("ap-1", { decision: "pending", approvers: ["bob"] })
      assert.deepStrictEqual(
        [partial.decision, partial.approvers, partial.decidedAt],
        ["pending", ["bob"], null],
      )
      yield* TestClock.adjust(10_000)
      // Escalation re-targets roles and extends the expiry from now.
      const escalated = yield* s.decideApproval("ap-1", {
        decision: "escalated",
        approvers: ["bob"],
        roles: ["ciso"],
        extendMillis: HOUR,
      })
      assert.deepStrictEqual(
        [escalated.decision, escalated.roles, escalated.expiresAt, escalated.decidedAt],
        ["escalated", ["ciso"], 20_000 + HOUR, null],
      )
      yield* TestClock.adjust(40_000)
      const decided = yield* s.decideApproval("ap-1", {
        decision: "approved",
        approvers: ["bob", "carol"],
        comment: "ok",
      })
      assert.deepStrictEqual(
        [
          decided.decision,
          decided.approvers,
          decided.comment,
          decided.decidedAt,
          decided.roles,
          decided.quorum,
        ],
        ["approved", ["bob", "carol"], "ok", 60_000, ["ciso"], 2],
      )
      const again = yield* failure(s.decideApproval("ap-1", { decision: "denied", approvers: ["eve"] }))
      assert.strictEqual(again.reason, "Conflict")
      assert.strictEqual(
        (yield* failure(s.decideApproval("nope", { decision: "denied", approvers: [] }))).reason,
        "NotFound",
      )
      const badDecision = yield* failure(
        s.decideApproval("ap-1", { decision: "maybe" as never, approvers: [] }),
      )
      assert.deepStrictEqual([badDecision.reason, badDecision.path], ["Invalid", "decision.decision"])
      assert.deepStrictEqual(yield* s.getApproval("ap-1"), decided)
      assert.strictEqual((yield* failure(s.getApproval("nope"))).reason, "NotFound")
      yield* s.requestApproval({ ...approval(c.id, "ap-2"), runId: "run-2", requestedAt: 5 })
      const { case: other } = yield* s.open({ ...base, title: "other" })
      yield* s.requestApproval({ ...approval(other.id, "ap-3"), requestedAt: 9 })
      yield* s.decideApproval("ap-3", { decision: "timeout", approvers: [] })
      const ids = (rs: ReadonlyArray<CaseModel.ApprovalRecord>) => rs.map((a) => a.id)
      assert.deepStrictEqual(ids(yield* s.listApprovals()), ["ap-1", "ap-2", "ap-3"])
      assert.deepStrictEqual(ids(yield* s.listApprovals({ decision: ["pending", "escalated"] })), ["ap-2"])
      assert.deepStrictEqual(ids(yield* s.listApprovals({ decision: ["approved", "timeout"] })), [
        "ap-1",
        "ap-3",
      ])
      assert.deepStrictEqual(ids(yield* s.listApprovals({ runId: "run-1" })), ["ap-1", "ap-3"])
      assert.deepStrictEqual(ids(yield* s.listApprovals({ caseId: other.id })), ["ap-3"])
      assert.deepStrictEqual(ids(yield* s.listApprovals({ decision: [] })), [])
      const v = yield* s.view(c.id)
      assert.deepStrictEqual(
        v.approvals.map((a) => a.id),
        ["ap-1", "ap-2"],
      )
      assert.deepStrictEqual(v.approvals[0], decided)
      // Approval timeline events are written by the caller (who knows who and why), not the store.
      assert.deepStrictEqual(
        v.timeline.map((e) => e.kind),
        ["case.opened"],
      )
    }))

  test("merge closes the source with a pointer and copies its records into the target", () =>
    Effect.gen(function* () {
      const s = yield* store
      const { case: target } = yield* s.open({ ...base, title: "target", alert: { id: "t" } })
      const { case: source } = yield* s.open({ ...base, title: "source", alert: { id: "s" } })
      yield* s.addObservables(target.id, [{ type: "ipv4", raw: "203.0.113.9", source: "a" }])
      yield* s.addObservables(source.id, [
        { type: "ipv4", raw: "203.0.113.9", source: "b", verdict: "malicious" },
        { type: "md5", raw: "D41D8CD98F00B204E9800998ECF8427E" },
      ])
      yield* s.addNote(source.id, "alice", "dup")
      yield* TestClock.adjust(2_000)
      const merged = yield* s.merge(source.id, target.id, user)
      assert.strictEqual(merged.id, target.id)
      const src = yield* s.get(source.id)
      assert.strictEqual(src.status, "closed")
      assert.strictEqual(src.mergedInto, target.id)
      assert.strictEqual(src.closedAt, 2_000)
      const v = yield* s.view(target.id)
      assert.deepStrictEqual(
        [...v.alerts].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        [{ id: "s" }, { id: "t" }],
      )
      assert.strictEqual(v.observables.length, 2)
      const ip = v.observables.find((o) => o.type === "ipv4")
      assert.strictEqual(ip?.verdict, "malicious")
      assert.deepStrictEqual([...(ip?.sources ?? [])].sort(), ["a", "b"])
      assert.strictEqual(v.notes[0]?.caseId, target.id)
      assert.strictEqual(v.timeline.at(-1)?.kind, "case.merged")
      assert.strictEqual((yield* failure(s.merge(target.id, target.id, user))).reason, "Invalid")
      assert.strictEqual((yield* failure(s.merge(source.id, target.id, user))).reason, "Conflict")
    }))
}
