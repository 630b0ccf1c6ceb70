import { assert, describe, it } from "@effect/vitest"
import { Okta } from "@riposte/connector-okta"
import { Connector, Engine } from "@riposte/core"
import { Effect, Layer } from "effect"
import * as Durable from "../../test-support/Durable.ts"
import { GeoIpLocal } from "../src/GeoIp.ts"
import { makeImpossibleTravel } from "../src/playbook.ts"

const impossibleTravel = makeImpossibleTravel({ privileged: [] })

describe("impossible-travel on the durable SQLite runtime", () => {
  it.live("parks at the approval across a restart; sessions are cleared exactly once after approval", () => {
    const db = Durable.directory()
    const cleared: Array<string> = []
    const okta = Connector.layer(Okta, {
      getUser: () => Effect.die("unused"),
      suspendUser: () => Effect.die("unused"),
      unsuspendUser: () => Effect.die("unused"),
      clearSessions: ({ userId }) =>
        Effect.sync(() => {
          cleared.push(userId)
          return { userId, cleared: true }
        }),
    })
    const layer = () => Durable.engine(db.path, [impossibleTravel], Layer.merge(okta, GeoIpLocal))
    const input = {
      userId: "00ujane1",
      logins: [
        { id: "e1", time: "2024-03-01T08:00:00.000Z", ip: "81.2.69.142" },
        { id: "e2", time: "2024-03-01T10:00:00.000Z", ip: "1.1.1.1" },
      ],
    }
    return Effect.gen(function* () {
      const { runId, requestId } = yield* Effect.gen(function* () {
        const { runId } = yield* (yield* Engine.Engine).start(impossibleTravel, input)
        return { runId, requestId: (yield* Durable.pendingOf(runId)).id }
      }).pipe(Effect.provide(layer()))
      yield* Effect.gen(function* () {
        yield* (yield* Engine.Engine).decide(requestId, {
          decision: "approve",
          actor: "alice",
          roles: ["soc-lead"],
        })
        const result = yield* Durable.resultOf(runId)
        assert.deepStrictEqual(result.path.slice(-2), ["lock-approval=approved", "clear"])
      }).pipe(Effect.provide(layer()))
      assert.deepStrictEqual(cleared, ["00ujane1"])
    }).pipe(Effect.ensuring(Effect.sync(db.cleanup)))
  })
})
