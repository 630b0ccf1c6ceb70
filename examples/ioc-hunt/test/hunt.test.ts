import { assert, describe, it } from "@effect/vitest"
import { CaseStore, CaseStoreMemory, Connector, Engine } from "@riposte/core"
import { Effect, Layer } from "effect"
import { iocHunt, maxHosts } from "../src/playbook.ts"
import { Siem, type Sighting } from "../src/Siem.ts"

/** A SIEM mock: answers the given sightings for one indicator value, nothing for others. */
const siem = (value: string, sightings: ReadonlyArray<Sighting>, truncated = false) => {
  const searches: Array<unknown> = []
  const layer = Connector.layer(Siem, {
    search: (input) =>
      Effect.sync(() => {
        searches.push(input)
        return input.indicator.value === value
          ? { sightings, truncated }
          : { sightings: [], truncated: false }
      }),
  })
  return { searches, layer }
}

const setup = (m: ReturnType<typeof siem>) =>
  Engine.layerMemory({ playbooks: [iocHunt] }).pipe(
    Layer.provide(m.layer),
    Layer.provideMerge(CaseStoreMemory.layer),
  )

/** A C2 address from the CISA AA24-249A advisory bundle of the STIX corpus. */
const c2 = { type: "ipv4", value: "81.17.24.130" } as const
const hunt = {
  indicator: c2,
  from: "2024-09-01T00:00:00Z",
  to: "2024-09-05T00:00:00Z",
  source: "CISA AA24-249A",
}
const sighting = (host: string, events: number): Sighting => ({
  host,
  firstSeen: "2024-09-02T10:00:00Z",
  lastSeen: "2024-09-02T11:00:00Z",
  events,
})

describe("ioc-hunt playbook (in-memory engine, mocked SIEM)", () => {
  it.effect("one child case per host that touched the indicator; the parent links them", () => {
    const m = siem(c2.value, [sighting("wks-01", 3), sighting("srv-db-2", 7), sighting("WKS-01", 2)])
    return Effect.gen(function* () {
      const result = yield* (yield* Engine.Engine).run(iocHunt, hunt)
      assert.strictEqual(result.status, "completed")
      assert.deepStrictEqual(m.searches, [{ indicator: c2, from: hunt.from, to: hunt.to, limit: 1000 }])
      const store = yield* CaseStore.CaseStore
      const children = yield* store.list({ playbook: "ioc-hunt-host" })
      assert.deepStrictEqual(children.map((c) => c.title).sort(), [
        "Host srv-db-2 touched ipv4 81.17.24.130",
        "Host wks-01 touched ipv4 81.17.24.130",
      ])
      for (const child of children) {
        const view = yield* store.view(child.id)
        assert.strictEqual(view.case.severity, "high")
        assert.isTrue(view.observables.some((o) => o.value === c2.value && o.verdict === "malicious"))
      }
      const parent = yield* store.view(result.caseId)
      const note = parent.notes[0]!.text
      assert.include(note, "2 host(s) touched 81.17.24.130")
      // Same host in two casings is one host; events add up; busiest first.
      assert.include(note, "- srv-db-2: 7 event(s)")
      assert.include(note, "- wks-01: 5 event(s)")
      for (const child of children) assert.include(note, child.id)
      assert.isNull(parent.case.assignee)
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect(
    `more than ${maxHosts} hosts: ${maxHosts} cases, the overflow is recorded and sent to tier 2`,
    () => {
      const hosts = Array.from({ length: maxHosts + 2 }, (_, i) =>
        sighting(`wks-${String(i).padStart(2, "0")}`, 100 - i),
      )
      const m = siem(c2.value, hosts)
      return Effect.gen(function* () {
        const result = yield* (yield* Engine.Engine).run(iocHunt, hunt)
        const store = yield* CaseStore.CaseStore
        assert.lengthOf(yield* store.list({ playbook: "ioc-hunt-host" }), maxHosts)
        const parent = yield* store.view(result.caseId)
        assert.include(
          parent.notes[0]!.text,
          `over the ${maxHosts}-case limit, no case opened: wks-10, wks-11`,
        )
        assert.strictEqual(parent.case.assignee, "tier2")
      }).pipe(Effect.provide(setup(m)))
    },
  )

  it.effect("no host touched it: no child case, the hunt is closed with the window", () => {
    const m = siem("other", [sighting("wks-01", 1)])
    return Effect.gen(function* () {
      const result = yield* (yield* Engine.Engine).run(iocHunt, hunt)
      assert.strictEqual(result.status, "closed")
      const store = yield* CaseStore.CaseStore
      assert.lengthOf(yield* store.list({ playbook: "ioc-hunt-host" }), 0)
      assert.strictEqual(
        (yield* store.get(result.caseId)).resolution,
        "no host touched 81.17.24.130 between 2024-09-01T00:00:00Z and 2024-09-05T00:00:00Z",
      )
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect("the same hunt started twice joins one run (no duplicate host cases)", () => {
    const m = siem(c2.value, [sighting("wks-01", 3)])
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      yield* engine.run(iocHunt, hunt)
      yield* engine.run(iocHunt, hunt)
      assert.lengthOf(m.searches, 1)
      assert.lengthOf(yield* (yield* CaseStore.CaseStore).list({ playbook: "ioc-hunt-host" }), 1)
    }).pipe(Effect.provide(setup(m)))
  })
})
