import { assert, describe, it } from "@effect/vitest"
import { CaseStore, Connector, Engine } from "@riposte/core"
import { Effect } from "effect"
import * as Durable from "../../test-support/Durable.ts"
import { iocHunt } from "../src/playbook.ts"
import { Siem } from "../src/Siem.ts"

describe("ioc-hunt on the durable SQLite runtime", () => {
  it.live("child runs (one case per host) are durable: after a restart the cases are on disk", () => {
    const db = Durable.directory()
    const siem = Connector.layer(Siem, {
      search: () =>
        Effect.succeed({
          sightings: ["wks-01", "wks-02"].map((host) => ({
            host,
            firstSeen: "2024-09-02T10:00:00Z",
            lastSeen: "2024-09-02T11:00:00Z",
            events: 1,
          })),
          truncated: false,
        }),
    })
    const hunt = {
      indicator: { type: "domain" as const, value: "interlinks.top" },
      from: "2024-09-01T00:00:00Z",
      to: "2024-09-05T00:00:00Z",
      source: "CISA AA24-249A",
    }
    return Effect.gen(function* () {
      const result = yield* Effect.gen(function* () {
        return yield* (yield* Engine.Engine).run(iocHunt, hunt)
      }).pipe(Effect.provide(Durable.engine(db.path, [iocHunt], siem)))
      yield* Effect.gen(function* () {
        const store = yield* CaseStore.CaseStore
        const children = yield* store.list({ playbook: "ioc-hunt-host" })
        assert.lengthOf(children, 2)
        const parent = yield* store.view(result.caseId)
        for (const c of children) assert.include(parent.notes[0]!.text, c.id)
      }).pipe(Effect.provide(Durable.engine(db.path, [iocHunt], siem)))
    }).pipe(Effect.ensuring(Effect.sync(db.cleanup)))
  })
})
