import { assert, describe, it } from "@effect/vitest"
import { Jira } from "@riposte/connector-jira"
import { CaseStore, CaseStoreMemory, Connector, Engine } from "@riposte/core"
import { Effect, Layer } from "effect"
import { dueAt, makeVulnRouting, vulnSlaCheck } from "../src/playbook.ts"

const vulnRouting = makeVulnRouting({
  owners: {
    "fw-edge-01": { team: "network", projectKey: "NET" },
    "web-07": { team: "web-platform", projectKey: "WEB" },
  },
  fallback: { team: "secops", projectKey: "SEC" },
})

const jira = (status = "In Progress") => {
  const created: Array<Record<string, unknown>> = []
  const comments: Array<{ issue: string; body: string }> = []
  const layer = Connector.layer(Jira, {
    createIssue: (input) =>
      Effect.sync(() => {
        created.push(input)
        return { id: "10001", key: `${input.projectKey}-${created.length}` }
      }),
    addComment: (input) =>
      Effect.sync(() => {
        comments.push(input)
        return { id: "c1" }
      }),
    transitionIssue: () => Effect.die("unused"),
    getIssue: ({ issue }) =>
      Effect.succeed({ id: "10001", key: issue, fields: { status: { name: status } } }),
  })
  return { created, comments, layer }
}

const setup = (m: ReturnType<typeof jira>) =>
  Engine.layerMemory({ playbooks: [vulnRouting, vulnSlaCheck] }).pipe(
    Layer.provide(m.layer),
    Layer.provideMerge(CaseStoreMemory.layer),
  )

/** CVE-2024-3400 (PAN-OS GlobalProtect command injection, CVSS 10.0, on CISA KEV). */
const finding = {
  id: "tenable-plugin-192960-fw-edge-01",
  scanner: "tenable",
  title: "Palo Alto PAN-OS GlobalProtect OS command injection",
  cve: "CVE-2024-3400",
  severity: "critical" as const,
  asset: "FW-EDGE-01",
  detectedAt: "2024-04-12T09:30:00Z",
}

describe("vuln-routing + vuln-sla-check playbooks", () => {
  it("SLA due dates come from the detection time and severity", () => {
    assert.strictEqual(
      dueAt({ severity: "critical", detectedAt: "2024-04-12T09:30:00Z" }),
      "2024-04-19T09:30:00.000Z",
    )
    assert.strictEqual(
      dueAt({ severity: "low", detectedAt: "2024-01-01T00:00:00Z" }),
      "2024-06-29T00:00:00.000Z",
    )
  })

  it.effect(
    "a critical finding goes to the owning team's Jira project with its SLA; the case is assigned",
    () => {
      const m = jira()
      return Effect.gen(function* () {
        const result = yield* (yield* Engine.Engine).run(vulnRouting, finding)
        assert.lengthOf(m.created, 1)
        const ticket = m.created[0]!
        assert.strictEqual(ticket.projectKey, "NET")
        assert.strictEqual(ticket.priority, "Highest")
        assert.deepStrictEqual(ticket.labels, ["vulnerability", "severity-critical", "sla-2024-04-19"])
        assert.include(String(ticket.description), "Fix by: 2024-04-19T09:30:00.000Z (SLA 7 days)")
        const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
        assert.strictEqual(view.case.assignee, "network")
        assert.strictEqual(view.case.severity, "critical")
        assert.include(view.notes[0]!.text, "Ticket NET-1 for network; SLA due 2024-04-19T09:30:00.000Z")
      }).pipe(Effect.provide(setup(m)))
    },
  )

  it.effect("an asset with no owner goes to the fallback team, flagged for reassignment", () => {
    const m = jira()
    return Effect.gen(function* () {
      const result = yield* (yield* Engine.Engine).run(vulnRouting, {
        ...finding,
        id: "x-2",
        asset: "lab-box-3",
        severity: "high",
      })
      assert.strictEqual(m.created[0]!.projectKey, "SEC")
      assert.include(String(m.created[0]!.description), "No owner in the asset inventory")
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.include(view.case.tags, "unowned-asset")
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("SLA check: overdue and not fixed → escalation comment on the ticket, case critical", () => {
    const m = jira("In Progress")
    return Effect.gen(function* () {
      const result = yield* (yield* Engine.Engine).run(vulnSlaCheck, {
        ticket: "NET-1",
        dueAt: "2024-04-19T09:30:00.000Z",
        checkedAt: "2024-04-21T10:00:00Z",
      })
      assert.deepStrictEqual(result.path, ["jira", "state", "sla=overdue", "escalate"])
      assert.lengthOf(m.comments, 1)
      assert.include(m.comments[0]!.body, "SLA breached: due 2024-04-19T09:30:00.000Z, still In Progress")
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.strictEqual(view.case.severity, "critical")
      assert.strictEqual(view.case.assignee, "security-manager")
      assert.include(view.notes[0]!.text, "overdue by 2 day(s)")
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("SLA check: within the SLA → no escalation, tracking continues", () => {
    const m = jira("In Progress")
    return Effect.gen(function* () {
      const result = yield* (yield* Engine.Engine).run(vulnSlaCheck, {
        ticket: "NET-1",
        dueAt: "2024-04-19T09:30:00.000Z",
        checkedAt: "2024-04-15T10:00:00Z",
      })
      assert.strictEqual(result.path.at(-2), "sla=open")
      assert.lengthOf(m.comments, 0)
      const record = yield* (yield* CaseStore.CaseStore).get(result.caseId)
      assert.match(record.resolution ?? "", /NET-1 In Progress, 3 day\(s\) left/)
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("SLA check: fixed → case resolved, even when checked after the due date", () => {
    const m = jira("Done")
    return Effect.gen(function* () {
      const result = yield* (yield* Engine.Engine).run(vulnSlaCheck, {
        ticket: "NET-1",
        dueAt: "2024-04-19T09:30:00.000Z",
        checkedAt: "2024-04-22T10:00:00Z",
      })
      assert.strictEqual(result.status, "closed")
      assert.lengthOf(m.comments, 0)
      const record = yield* (yield* CaseStore.CaseStore).get(result.caseId)
      assert.strictEqual(record.status, "resolved")
      assert.strictEqual(record.resolution, "NET-1 Done after its SLA (due 2024-04-19T09:30:00.000Z)")
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("SLA check: the same tick fired twice (scheduler restart) joins one run", () => {
    const m = jira("In Progress")
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const check = { ticket: "NET-1", dueAt: "2024-04-19T09:30:00.000Z", checkedAt: "2024-04-21T10:00:00Z" }
      const a = yield* engine.run(vulnSlaCheck, check)
      const b = yield* engine.run(vulnSlaCheck, check)
      assert.strictEqual(a.runId, b.runId)
      assert.lengthOf(m.comments, 1)
    }).pipe(Effect.provide(setup(m)))
  })
})
