import { assert, describe, it } from "@effect/vitest"
import { Blocklist } from "@riposte/connector-blocklist"
import { CaseStore, Connector, Engine } from "@riposte/core"
import { Effect } from "effect"
import * as Durable from "../../test-support/Durable.ts"
import { makeThreatIntel } from "../src/playbook.ts"
import { cisa, text } from "./stix.ts"

const threatIntel = makeThreatIntel({ batchSize: 20, maxBatches: 2, defaultTtlDays: 30 })

describe("threat-intel on the durable SQLite runtime", () => {
  it.live(
    "the CISA bundle is actioned in batches; the same delivery after a restart pushes nothing again",
    () => {
      const db = Durable.directory()
      const added: Array<string> = []
      const blocklist = Connector.layer(Blocklist, {
        list: () => Effect.succeed({ entries: [] }),
        add: (i) =>
          Effect.sync(() => {
            added.push(i.value)
            return { value: i.value, expiresAt: null, created: true }
          }),
        remove: ({ value }) => Effect.succeed({ value, removed: true }),
      })
      const input = { bundleJson: text(cisa), receivedAt: "2024-09-06T00:00:00Z", source: "CISA AA24-249A" }
      return Effect.gen(function* () {
        const first = yield* Effect.gen(function* () {
          return yield* (yield* Engine.Engine).run(threatIntel, input)
        }).pipe(Effect.provide(Durable.engine(db.path, [threatIntel], blocklist)))
        assert.lengthOf(added, 35)
        yield* Effect.gen(function* () {
          const again = yield* (yield* Engine.Engine).run(threatIntel, input)
          assert.strictEqual(again.runId, first.runId)
          const view = yield* (yield* CaseStore.CaseStore).view(first.caseId)
          assert.include(view.notes[0]!.text, "blocked now: 35")
        }).pipe(Effect.provide(Durable.engine(db.path, [threatIntel], blocklist)))
        assert.lengthOf(added, 35)
      }).pipe(Effect.ensuring(Effect.sync(db.cleanup)))
    },
  )
})
