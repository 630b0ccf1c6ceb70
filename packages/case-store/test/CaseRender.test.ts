import { assert, describe, it } from "@effect/vitest"
import { CaseStore, CaseStoreMemory } from "@riposte/core"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import * as CaseRender from "../src/CaseRender.ts"

const user = { kind: "user", id: "alice" } as const

describe("CaseRender.text", () => {
  it.effect(
    "renders header, SLA stamps, observables, enrichments, actions with approvers, approvals, timeline",
    () =>
      Effect.gen(function* () {
        const s = yield* CaseStore.CaseStore
        yield* TestClock.adjust(Date.UTC(2026, 0, 2, 9, 0, 0))
        const { case: c } = yield* s.open({
          title: "Phish\u001b[31m to CEO\nStatus: closed",
          severity: "high",
          playbook: "phish",
          playbookVersion: "3",
          alert: { id: 1 },
        })
        yield* s.addObservables(c.id, [
          { type: "url", raw: "hxxps://EVIL[.]example/x", verdict: "malicious", source: "mail" },
        ])
        yield* s.addEnrichment({
          caseId: c.id,
          observable: "https://evil.example/x",
          connector: "virustotal",
          action: "urlReport",
          resultRef: null,
          verdict: "malicious",
          score: 0.9,
          summary: "12/90",
        })
        yield* s.requestApproval({
          id: "ap-1",
          caseId: c.id,
          runId: "r",
          gate: "block-url",
          summary: "Block https://evil.example/x?",
          payloadHash: "p",
          decision: "pending",
          approvers: [],
          roles: ["soc"],
          quorum: 1,
          requester: "phish",
          comment: null,
          requestedAt: Date.UTC(2026, 0, 2, 9, 0, 0),
          decidedAt: null,
          expiresAt: Date.UTC(2026, 0, 2, 10, 0, 0),
        })
        yield* TestClock.adjust(90_000)
        yield* s.decideApproval("ap-1", { decision: "approved", approvers: ["bob"], comment: "go\u0007" })
        yield* s.recordAction({
          caseId: c.id,
          stepPath: "contain/block",
          connector: "proxy",
          action: "blockUrl",
          kind: "destructive",
          inputHash: "h",
          input: { url: "https://evil.example/x" },
          outputSummary: "blocked",
          status: "succeeded",
          idempotencyKey: "k",
          approvalRef: "ap-1",
          actor: { kind: "playbook", id: "phish" },
        })
        yield* s.update(c.id, { status: "contained" }, user)
        yield* s.addNote(c.id, "alice", "line1\r\nline2\u202e")
        const text = CaseRender.text(yield* s.view(c.id))
        const lines = text.split("\n")
        // No attacker-controlled control character survives, so the title cannot forge a line.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
        assert.isFalse(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/.test(text))
        assert.strictEqual(lines[0], `Case ${c.id}: Phish[31m to CEOStatus: closed`)
        assert.strictEqual(lines.filter((l) => l.startsWith("Status:")).length, 1)
        assert.include(text, "Status: contained  Severity: high")
        assert.include(text, "Playbook: phish@3")
        assert.include(text, "Acknowledged: 2026-01-02T09:01:30.000Z (+1m30s)")
        assert.include(text, "Contained:    2026-01-02T09:01:30.000Z (+1m30s)")
        assert.include(text, "Resolved:     -")
        assert.include(text, "malicious  url https://evil.example/x (raw: hxxps://EVIL[.]example/x) [mail]")
        assert.include(text, "virustotal.urlReport https://evil.example/x: malicious score=0.9 — 12/90")
        assert.include(
          text,
          "09:01:30  succeeded destructive proxy.blockUrl (phish) approved by bob — blocked",
        )
        assert.include(text, 'block-url: approved by bob — Block https://evil.example/x? ("go")')
        assert.include(text, "alice: line1line2")
        const timeline = lines.slice(lines.indexOf("Timeline:") + 1)
        assert.deepStrictEqual(
          timeline[0],
          "  09:00:00  system:case-store  case.opened  case opened: Phish[31m to CEOStatus: closed",
        )
        assert.match(timeline.at(-1) ?? "", /^ {2}09:01:30 {2}user:alice {2}note {2}note added$/)
      }).pipe(Effect.provide(CaseStoreMemory.layer)),
  )

  it("clean strips C0/C1 controls, DEL, line separators and bidi overrides", () => {
    assert.strictEqual(CaseRender.clean("a\u0000b\tc\nd\u007fe\u0085f\u2028g\u202eh\u2066i"), "abcdefghi")
    assert.strictEqual(CaseRender.clean("plain – ünïcode ✓"), "plain – ünïcode ✓")
  })
})
