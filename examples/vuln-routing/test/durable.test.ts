import { assert, describe, it } from "@effect/vitest"
import { Jira } from "@riposte/connector-jira"
import { CaseStore, Connector, Engine } from "@riposte/core"
import { Effect } from "effect"
import * as Durable from "../../test-support/Durable.ts"
import { makeVulnRouting, vulnSlaCheck } from "../src/playbook.ts"

const vulnRouting = makeVulnRouting({
  owners: { "web-07": { team: "web", projectKey: "WEB" } },
  fallback: { team: "secops", projectKey: "SEC" },
})

describe("vuln-routing on the durable SQLite runtime", () => {
  it.live(
    "route → ticket, then a scheduled SLA check after a restart escalates; a re-fired tick does not comment twice",
    () => {
      const db = Durable.directory()
      const comments: Array<string> = []
      const jira = Connector.layer(Jira, {
        createIssue: (i) => Effect.succeed({ id: "1", key: `${i.projectKey}-7` }),
        addComment: (i) =>
          Effect.sync(() => {
            comments.push(i.body)
            return { id: "c" }
          }),
        transitionIssue: () => Effect.die("unused"),
        getIssue: ({ issue }) =>
          Effect.succeed({ id: "1", key: issue, fields: { status: { name: "To Do" } } }),
      })
      const layer = () => Durable.engine(db.path, [vulnRouting, vulnSlaCheck], jira)
      return Effect.gen(function* () {
        yield* Effect.gen(function* () {
          const r = yield* (yield* Engine.Engine).run(vulnRouting, {
            id: "f-1",
            scanner: "tenable",
            title: "OpenSSH regreSSHion",
            cve: "CVE-2024-6387",
            severity: "high",
            asset: "web-07",
            detectedAt: "2024-07-01T00:00:00Z",
          })
          assert.include(
            (yield* (yield* CaseStore.CaseStore).view(r.caseId)).notes[0]!.text,
            "Ticket WEB-7 for web",
          )
        }).pipe(Effect.provide(layer()))
        const check = {
          ticket: "WEB-7",
          dueAt: "2024-07-31T00:00:00.000Z",
          checkedAt: "2024-08-02T09:00:00Z",
        }
        yield* Effect.gen(function* () {
          const engine = yield* Engine.Engine
          const a = yield* engine.run(vulnSlaCheck, check)
          const b = yield* engine.run(vulnSlaCheck, check)
          assert.strictEqual(a.runId, b.runId)
          assert.strictEqual(a.path.at(-1), "escalate")
        }).pipe(Effect.provide(layer()))
        assert.lengthOf(comments, 1)
      }).pipe(Effect.ensuring(Effect.sync(db.cleanup)))
    },
  )
})
