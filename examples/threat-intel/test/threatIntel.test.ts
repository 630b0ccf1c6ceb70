import { assert, describe, it } from "@effect/vitest"
import { Blocklist } from "@riposte/connector-blocklist"
import { CaseStore, CaseStoreMemory, Connector, Engine, Guardrails } from "@riposte/core"
import { Effect, Layer } from "effect"
import { makeThreatIntel } from "../src/playbook.ts"
import { cisa, text } from "./stix.ts"

const threatIntel = makeThreatIntel({ batchSize: 10, maxBatches: 3, defaultTtlDays: 30 })

const blocklist = (existing: ReadonlyArray<string>) => {
  const added: Array<{ value: string; ttlSeconds?: number | undefined; comment?: string | undefined }> = []
  const layer = Connector.layer(Blocklist, {
    list: () => Effect.succeed({ entries: existing }),
    add: (input) =>
      Effect.sync(() => {
        added.push(input)
        return { value: input.value, expiresAt: null, created: true }
      }),
    remove: ({ value }) => Effect.succeed({ value, removed: true }),
  })
  return { added, layer }
}

/** An inline indicator budget (core's Guardrails hook): the first `max` indicators pass, the rest are blocked. */
const indicatorBudget = (max: number) => {
  let used = 0
  return Layer.succeed(Guardrails.Guardrails, {
    dryRun: false,
    check: (calls) =>
      Effect.sync(() =>
        calls.map((c): Guardrails.Verdict => {
          if (c.budget !== "indicator") return { _tag: "Allow" }
          if (used >= max) return { _tag: "Block", reason: `indicator budget ${max} reached` }
          used++
          return { _tag: "Allow" }
        }),
      ),
  })
}

const setup = (m: ReturnType<typeof blocklist>, budget?: number) =>
  Engine.layerMemory({ playbooks: [threatIntel] }).pipe(
    Layer.provide(budget === undefined ? m.layer : Layer.merge(m.layer, indicatorBudget(budget))),
    Layer.provideMerge(CaseStoreMemory.layer),
  )

const cisaRun = { bundleJson: text(cisa), receivedAt: "2024-09-06T00:00:00Z", source: "CISA AA24-249A" }

describe("threat-intel playbook on the CISA AA24-249A bundle", () => {
  it.effect("dedupes against the blocklist and pushes the rest in batches of 10 with the default TTL", () => {
    // Two of the advisory's indicators are already blocked (one in another casing).
    const m = blocklist(["81.17.24.130", "NSSM.CC"])
    return Effect.gen(function* () {
      const result = yield* (yield* Engine.Engine).run(threatIntel, cisaRun)
      const values = m.added.map((a) => a.value)
      // 35 network indicators, 2 already blocked, 3 batches of 10: 30 now, 3 deferred.
      assert.lengthOf(values, 30)
      assert.strictEqual(new Set(values).size, values.length, "each indicator pushed once")
      assert.notInclude(values, "81.17.24.130")
      assert.notInclude(values, "nssm.cc")
      assert.include(
        values,
        "https://cdn.discordapp.com/attachments/945968593030496269/945970446149509130/Client.exe",
      )
      assert.notInclude(values, "dns.test658324901domain.me")
      assert.isTrue(m.added.every((a) => a.ttlSeconds === 30 * 86_400))
      assert.match(m.added[0]!.comment ?? "", /^CISA AA24-249A: indicator--/)
      assert.deepStrictEqual(
        result.path.filter((p) => p.startsWith("batch-") || p.startsWith("block-")),
        ["batch-0=push", "block-0", "batch-1=push", "block-1", "batch-2=push", "block-2"],
      )
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      const note = view.notes[0]!.text
      assert.include(note, "208 STIX indicators → 266 distinct observables")
      assert.include(note, "blocked now: 30; already blocked: 2; refused by guardrails: 0")
      assert.include(note, "deferred (over 3 batches of 10; the next run picks them up): 3")
      assert.include(note, "file hashes recorded on the case (not blockable on an EDL): 231")
      assert.include(note, "not actioned (1): url value '…' is not a valid url")
      assert.strictEqual(view.case.assignee, "cti", "deferred work is visible")
      assert.isTrue(view.observables.some((o) => o.type === "sha256"))
      assert.strictEqual(view.actions.filter((a) => a.action === "add").length, 30)
      assert.isTrue(view.actions.every((a) => a.approvalRef === "policy:cti-auto-block"))
    }).pipe(Effect.provide(setup(m)))
  })

  it.effect(
    "within budgets: over the indicator budget, the remaining blocks are refused and recorded",
    () => {
      const m = blocklist([])
      return Effect.gen(function* () {
        const result = yield* (yield* Engine.Engine).run(threatIntel, cisaRun)
        assert.lengthOf(m.added, 15)
        const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
        assert.include(view.notes[0]!.text, "blocked now: 15; already blocked: 0; refused by guardrails: 15")
        assert.strictEqual(view.actions.filter((a) => a.status === "blocked").length, 15)
      }).pipe(Effect.provide(setup(m, 15)))
    },
  )

  it.effect("a hostile bundle (__proto__ key) is rejected with the reason; nothing is pushed", () => {
    const m = blocklist([])
    return Effect.gen(function* () {
      const result = yield* (yield* Engine.Engine).run(threatIntel, {
        ...cisaRun,
        bundleJson: '{"type":"bundle","__proto__":{"polluted":true},"objects":[]}',
      })
      assert.lengthOf(m.added, 0)
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.match(view.notes[0]!.text, /^bundle rejected: ForbiddenKey/)
      assert.isUndefined(({} as Record<string, unknown>).polluted)
    }).pipe(Effect.provide(setup(m)))
  })
})
