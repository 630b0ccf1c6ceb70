import { assert, describe, it } from "@effect/vitest"
import { Alerts } from "@riposte/alerts"
import { Okta } from "@riposte/connector-okta"
import { CaseStore, CaseStoreMemory, Connector, Engine } from "@riposte/core"
import { Effect, Fiber, Layer } from "effect"
import { GeoIpLocal, locate } from "../src/GeoIp.ts"
import { loginOf, makeImpossibleTravel } from "../src/playbook.ts"
import { distanceKm } from "../src/Travel.ts"
import { json } from "./corpus.ts"

const impossibleTravel = makeImpossibleTravel({ privileged: ["00uadmin1"] })

/**
 * A login event built from the real Okta System Log event of the corpus (the corpus has no
 * `user.session.start` event): only the event type, id, time, actor id and client IP change;
 * the vendor-resolved geography is dropped so nothing but the local database locates the IP.
 */
const oktaLogin = (uuid: string, published: string, ip: string, actorId = "00ujane1") =>
  Effect.gen(function* () {
    const [event] = json("okta/system_log_events.json") as Array<Record<string, any>>
    const raw = {
      ...event!,
      uuid,
      published,
      eventType: "user.session.start",
      displayMessage: "User login to Okta",
      actor: { ...event!.actor, id: actorId },
      client: { ...event!.client, ipAddress: ip, geographicalContext: null },
    }
    const [alert] = yield* Alerts.normalize("okta", raw).pipe(Effect.orDie)
    return loginOf(alert!)!
  })

const mocks = () => {
  const calls: Array<string> = []
  const layer = Connector.layer(Okta, {
    getUser: () => Effect.die("unused"),
    unsuspendUser: () => Effect.die("unused"),
    suspendUser: ({ userId }) =>
      Effect.sync(() => {
        calls.push(`suspend ${userId}`)
        return { userId, alreadySuspended: false }
      }),
    clearSessions: ({ userId }) =>
      Effect.sync(() => {
        calls.push(`clear ${userId}`)
        return { userId, cleared: true }
      }),
  })
  return { calls, layer }
}

const setup = (m: ReturnType<typeof mocks>) =>
  Engine.layerMemory({ playbooks: [impossibleTravel] }).pipe(
    Layer.provide(Layer.mergeAll(m.layer, GeoIpLocal)),
    Layer.provideMerge(CaseStoreMemory.layer),
  )

const tick = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 2)))
const decideNext = (decision: "approve" | "deny") =>
  Effect.gen(function* () {
    const engine = yield* Engine.Engine
    for (let i = 0; i < 2000; i++) {
      const [request] = yield* engine.pendingApprovals()
      if (request !== undefined) {
        yield* engine.decide(request.id, { decision, actor: "alice", roles: ["soc-lead"] })
        return request
      }
      yield* tick
    }
    return yield* Effect.die(new Error("no approval requested"))
  })

describe("impossible-travel playbook (local GeoIP database, Okta System Log events)", () => {
  it("the local database locates public IPs and not documentation ranges", () => {
    const uk = locate("81.2.69.142")
    assert.strictEqual(uk.country, "GB")
    assert.isTrue(uk.found)
    assert.strictEqual(locate("1.1.1.1").country, "AU")
    assert.isFalse(locate("203.0.113.5").found)
  })

  it("haversine distance: London → Paris ≈ 343.5 km, antipodes ≈ half the circumference", () => {
    assert.approximately(distanceKm(51.5074, -0.1278, 48.8566, 2.3522), 343.5, 1)
    assert.approximately(distanceKm(0, 0, 0, 180), Math.PI * 6371.0088, 0.01)
  })

  it.effect(
    "UK then Australia 2 hours later (> 1000 km/h) → approval → sessions cleared, case contained",
    () => {
      const m = mocks()
      return Effect.gen(function* () {
        const a = yield* oktaLogin("evt-1", "2024-03-01T08:00:00.000Z", "81.2.69.142")
        const b = yield* oktaLogin("evt-2", "2024-03-01T10:00:00.000Z", "1.1.1.1")
        const engine = yield* Engine.Engine
        // Deliberately out of order: the playbook sorts by event time.
        const fiber = yield* Effect.forkChild(
          engine.run(impossibleTravel, { userId: a.userId, logins: [b.login, a.login] }),
        )
        const request = yield* decideNext("approve")
        assert.match(
          request.summary,
          /^Clear all sessions of Okta user 00ujane1: Newmarket, GB → AU, \d+ km in 2\.00 h$/,
        )
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "completed")
        assert.deepStrictEqual(m.calls, ["clear 00ujane1"])
        const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
        assert.strictEqual(view.case.status, "contained")
        const km = distanceKm(
          locate("81.2.69.142").latitude!,
          locate("81.2.69.142").longitude!,
          locate("1.1.1.1").latitude!,
          locate("1.1.1.1").longitude!,
        )
        assert.isAbove(km / 2, 1000)
        assert.include(view.notes[0]!.text, `${Math.round(km)} km in 2.00 h = ${Math.round(km / 2)} km/h`)
      }).pipe(Effect.provide(setup(m)))
    },
  )

  it.effect("a privileged account is suspended instead (destructive, after approval)", () => {
    const m = mocks()
    return Effect.gen(function* () {
      const a = yield* oktaLogin("evt-3", "2024-03-01T08:00:00.000Z", "8.8.8.8", "00uadmin1")
      const b = yield* oktaLogin("evt-4", "2024-03-01T08:30:00.000Z", "81.2.69.142", "00uadmin1")
      const fiber = yield* Effect.forkChild(
        (yield* Engine.Engine).run(impossibleTravel, { userId: "00uadmin1", logins: [a.login, b.login] }),
      )
      const request = yield* decideNext("approve")
      assert.match(request.summary, /^Suspend Okta user 00uadmin1/)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(m.calls, ["suspend 00uadmin1"])
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("denied: nobody is locked out", () => {
    const m = mocks()
    return Effect.gen(function* () {
      const a = yield* oktaLogin("evt-5", "2024-03-01T08:00:00.000Z", "81.2.69.142")
      const b = yield* oktaLogin("evt-6", "2024-03-01T09:00:00.000Z", "1.1.1.1")
      const fiber = yield* Effect.forkChild(
        (yield* Engine.Engine).run(impossibleTravel, { userId: a.userId, logins: [a.login, b.login] }),
      )
      yield* decideNext("deny")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "denied")
      assert.lengthOf(m.calls, 0)
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("US then UK 12 hours later (~600 km/h) is plausible: closed with the speed, no approval", () => {
    const m = mocks()
    return Effect.gen(function* () {
      const a = yield* oktaLogin("evt-7", "2024-03-01T00:00:00.000Z", "8.8.8.8")
      const b = yield* oktaLogin("evt-8", "2024-03-01T12:00:00.000Z", "81.2.69.142")
      const engine = yield* Engine.Engine
      const result = yield* engine.run(impossibleTravel, { userId: a.userId, logins: [a.login, b.login] })
      assert.strictEqual(result.status, "closed")
      assert.lengthOf(yield* engine.pendingApprovals(), 0)
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.match(view.case.resolution ?? "", /^plausible travel: fastest leg \d+ km\/h ≤ 1000 km\/h$/)
      assert.lengthOf(m.calls, 0)
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("an unlocatable address is not evidence: one located login → closed, nothing compared", () => {
    const m = mocks()
    return Effect.gen(function* () {
      const a = yield* oktaLogin("evt-9", "2024-03-01T00:00:00.000Z", "203.0.113.9")
      const b = yield* oktaLogin("evt-10", "2024-03-01T00:05:00.000Z", "1.1.1.1")
      const result = yield* (yield* Engine.Engine).run(impossibleTravel, {
        userId: a.userId,
        logins: [a.login, b.login],
      })
      assert.strictEqual(result.status, "closed")
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.strictEqual(view.case.resolution, "no two located logins to compare")
      assert.include(view.notes[0]!.text, "not located: 203.0.113.9")
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("hostile input: more than 50 logins is a trigger validation error", () => {
    const m = mocks()
    return Effect.gen(function* () {
      const logins = Array.from({ length: 51 }, (_, i) => ({
        id: `e${i}`,
        time: "2024-03-01T00:00:00Z",
        ip: "1.1.1.1",
      }))
      const error = yield* (yield* Engine.Engine)
        .start(impossibleTravel, { userId: "00ujane1", logins })
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "TriggerValidationError")
    }).pipe(Effect.provide(setup(m)))
  })
})
