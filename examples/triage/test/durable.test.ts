import { assert, describe, it } from "@effect/vitest"
import { Alert } from "@riposte/alerts"
import { CaseStore, Engine } from "@riposte/core"
import { Effect, Schema } from "effect"
import * as Durable from "../../test-support/Durable.ts"
import { makeTriage } from "../src/playbook.ts"
import { alerts } from "./corpus.ts"
import { mocks } from "./mocks.ts"

const triage = makeTriage({ assets: { "desktop-s2455r8": "critical" }, allowList: [] })

describe("triage on the durable SQLite runtime", () => {
  it.live(
    "a run completes; after a restart its case is on disk and a redelivery joins it without new lookups",
    () => {
      const db = Durable.directory()
      const m = mocks({ malicious: ["f809b926576cab647125a3907ef9265bdb130a0a"] })
      return Effect.gen(function* () {
        const [alert] = yield* alerts(
          "graph-security",
          "microsoft-defender-xdr/graph_security_alert_details_testcases.json",
          (r) => r.test_case_1.mock_response,
        )
        const input = Schema.encodeSync(Alert.Alert)(alert!)
        const first = yield* Effect.gen(function* () {
          return yield* (yield* Engine.Engine).run(triage, input)
        }).pipe(Effect.provide(Durable.engine(db.path, [triage], m.layer)))
        yield* Effect.gen(function* () {
          const again = yield* (yield* Engine.Engine).run(triage, input)
          assert.strictEqual(again.runId, first.runId)
          const view = yield* (yield* CaseStore.CaseStore).view(first.caseId)
          assert.strictEqual(view.case.severity, "critical")
        }).pipe(Effect.provide(Durable.engine(db.path, [triage], m.layer)))
        assert.lengthOf(m.calls, 1, "the journaled lookup is not repeated")
      }).pipe(Effect.ensuring(Effect.sync(db.cleanup)))
    },
  )
})
