import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import {
  ApprovalError,
  CaseStore,
  CaseStoreMemory,
  Connector,
  ConnectorError,
  Engine,
  PlaybookDefinitionError,
  playbook,
  Reminders,
  Transport,
  TriggerValidationError,
  Unauthorized,
} from "../src/index.ts"
import { Mail, makeLog, mocks, Reputation } from "./fixtures.ts"
import { input, phishing } from "./phishing.ts"

const setup = (
  log = makeLog(),
  options: Parameters<typeof mocks>[1] = {},
  playbooks = [phishing] as ReadonlyArray<any>,
) =>
  Engine.layerMemory({ playbooks }).pipe(
    Layer.provideMerge(CaseStoreMemory.layer),
    Layer.provide(mocks(log, options)),
  )

/** Lets forked runs progress until `cond` holds (no real time passes). */
const until = <A>(f: Effect.Effect<A | undefined, any, any>, tries = 5000): Effect.Effect<A, any, any> =>
  Effect.gen(function* () {
    for (let i = 0; i < tries; i++) {
      const a = yield* f
      if (a !== undefined) return a
      yield* tick
    }
    return yield* Effect.die(new Error("condition never held"))
  })

/** One turn of the event loop: other fibers and macrotasks run. No clock time passes. */
const tick = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Lets every forked fiber run until it blocks (on a sleep, a gate or a result). */
const settle = Effect.gen(function* () {
  for (let i = 0; i < 20; i++) yield* tick
})

/** Advances the TestClock in steps, letting runs react between steps. */
const advance = (millis: number, step = 100) =>
  Effect.gen(function* () {
    for (let t = 0; t < millis; t += step) {
      yield* settle
      yield* TestClock.adjust(`${Math.min(step, millis - t)} millis`)
    }
    yield* settle
  })

const pendingApproval = Effect.gen(function* () {
  const engine = yield* Engine.Engine
  return yield* until(engine.pendingApprovals().pipe(Effect.map((p) => p[0])))
})

describe("runs on the in-memory engine", () => {
  it.effect(
    "malicious: search, approval, purge every copy with the run's idempotency keys, contain the case",
    () => {
      const log = makeLog()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const store = yield* CaseStore.CaseStore
        const fiber = yield* Effect.forkChild(engine.run(phishing, input(["https://evil.test/login"])))
        const request = yield* pendingApproval
        assert.strictEqual(request.summary, "Purge 2 copies of <m-https://evil.test/login@x>")
        assert.deepStrictEqual(request.roles, ["soc-lead"])
        // Nothing destructive before the decision.
        assert.isFalse(log.calls.some((c) => c.action === "purge"))
        yield* engine.decide(request.id, {
          decision: "approve",
          actor: "alice",
          roles: ["soc-lead"],
          comment: "confirmed",
        })
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "completed")
        assert.deepStrictEqual(result.path, [
          "urls",
          "sender",
          "verdict=malicious",
          "copies",
          "purge-ok=approved",
          "purge",
        ])
        const purges = log.calls.filter((c) => c.action === "purge")
        assert.deepStrictEqual(
          purges.map((c) => (c.input as { mailbox: string }).mailbox),
          ["alice@corp.test", "bob@corp.test"],
        )
        assert.strictEqual(new Set(purges.map((c) => c.key)).size, 2)
        const view = yield* store.view(result.caseId)
        assert.strictEqual(view.case.severity, "high")
        assert.strictEqual(view.case.status, "contained")
        assert.isNotNull(view.case.containedAt)
        const purgeActions = view.actions.filter((a) => a.action === "purge")
        assert.strictEqual(purgeActions.length, 2)
        assert.isTrue(purgeActions.every((a) => a.approvalRef === request.id && a.status === "succeeded"))
        assert.deepStrictEqual(
          purgeActions.map((a) => a.idempotencyKey).sort(),
          purges.map((c) => c.key).sort(),
        )
        const approval = view.approvals[0]!
        assert.strictEqual(approval.decision, "approved")
        assert.deepStrictEqual(approval.approvers, ["alice"])
        assert.strictEqual(approval.comment, "confirmed")
        assert.strictEqual(view.enrichments.filter((e) => e.verdict === "malicious").length, 1)
      }).pipe(Effect.provide(setup(log, { maliciousHosts: ["evil.test"] })))
    },
  )

  it.effect("deny: nothing destructive runs and the run ends denied", () => {
    const log = makeLog()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(engine.run(phishing, input(["https://evil.test/a"])))
      const request = yield* pendingApproval
      yield* engine.decide(request.id, {
        decision: "deny",
        actor: "bob",
        roles: ["soc-lead"],
        comment: "false positive",
      })
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "denied")
      assert.deepStrictEqual(result.path.slice(-1), ["purge-ok=denied"])
      assert.isFalse(log.calls.some((c) => c.action === "purge"))
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.strictEqual(view.approvals[0]!.decision, "denied")
    }).pipe(Effect.provide(setup(log, { maliciousHosts: ["evil.test"] })))
  })

  it.effect("timeout: after 4 hours with no decision the gate is denied, never approved", () => {
    const log = makeLog()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(engine.run(phishing, input(["https://evil.test/b"])))
      const request = yield* pendingApproval
      yield* TestClock.adjust("239 minutes")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("2 minutes")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "timed_out")
      assert.isFalse(log.calls.some((c) => c.action === "purge"))
      const late = yield* Effect.flip(
        engine.decide(request.id, { decision: "approve", actor: "alice", roles: ["soc-lead"] }),
      )
      assert.instanceOf(late, ApprovalError)
      const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
      assert.strictEqual(view.approvals[0]!.decision, "timeout")
    }).pipe(Effect.provide(setup(log, { maliciousHosts: ["evil.test"] })))
  })

  it.effect(
    "inconclusive: a failed enrichment is kept as a typed failure, the others are kept, tier 2 gets the case",
    () => {
      const log = makeLog()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const result = yield* engine.run(
          phishing,
          input(["https://a.test/", "https://down.test/", "https://c.test/"]),
        )
        assert.deepStrictEqual(result.path.slice(0, 3), ["urls", "sender", "verdict=inconclusive"])
        const view = yield* (yield* CaseStore.CaseStore).view(result.caseId)
        assert.strictEqual(view.case.assignee, "tier2")
        assert.strictEqual(view.case.status, "triaged")
        const urlEnrichments = view.enrichments.filter((e) => e.action === "url")
        assert.strictEqual(urlEnrichments.length, 3)
        assert.match(urlEnrichments.find((e) => e.summary?.startsWith("failed"))!.summary!, /Transport/)
      }).pipe(Effect.provide(setup(log, { failUrl: "https://down.test/" })))
    },
  )

  it.effect("enrichment runs in parallel: 8 calls of 1..8 s take as long as the slowest (8 s)", () => {
    const log = makeLog()
    const pb = playbook("parallel", { version: "1" })
      .trigger(Schema.Struct({ urls: Schema.Array(Schema.String) }))
      .enrich("urls", (ctx) => ctx.trigger.urls.map((url) => Reputation.url({ url })), { concurrency: 8 })
    const urls = Array.from({ length: 8 }, (_, i) => `https://slow${i + 1}.test/`)
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(engine.run(pb, { urls }))
      yield* until(Effect.sync(() => (log.calls.length === 8 ? true : undefined)))
      yield* settle
      // All eight started at t=0: parallel, not sequential.
      const t0 = log.calls[0]!.at!
      assert.deepStrictEqual(
        log.calls.map((c) => c.at! - t0),
        [0, 0, 0, 0, 0, 0, 0, 0],
      )
      yield* TestClock.adjust("7999 millis")
      yield* settle
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(log.calls.length, 8)
    }).pipe(
      Effect.provide(
        setup(log, { urlDelay: (url) => `${Number(/slow(\d)/.exec(url)![1]) * 1000} millis` }, [pb]),
      ),
    )
  })

  it.effect(
    "concurrency bound: of 8 calls of 1 s at concurrency 4, the last four start only when the first four end",
    () => {
      const log = makeLog()
      const pb = playbook("bounded", { version: "1" })
        .trigger(Schema.Struct({ urls: Schema.Array(Schema.String) }))
        .enrich("urls", (ctx) => ctx.trigger.urls.map((url) => Reputation.url({ url })), { concurrency: 4 })
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const fiber = yield* Effect.forkChild(
          engine.run(pb, { urls: Array.from({ length: 8 }, (_, i) => `https://u${i}.test/`) }),
        )
        yield* advance(3000)
        assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
        // At most 4 in flight: the first four start at once, the next four only when a slot frees.
        const t0 = log.calls[0]!.at!
        const starts = log.calls.map((c) => c.at! - t0).sort((a, b) => a - b)
        assert.deepStrictEqual(starts, [0, 0, 0, 0, 1000, 1000, 1000, 1000])
      }).pipe(Effect.provide(setup(log, { urlDelay: () => "1 second" }, [pb])))
    },
  )

  it.effect("retry: a flaky call is retried with exponential backoff inside its activity", () => {
    let failures = 2
    const times: Array<number> = []
    const pb = playbook("flaky", { version: "1" })
      .trigger(Schema.Struct({ url: Schema.String }))
      .enrich("rep", (ctx) => ({ r: Reputation.url({ url: ctx.trigger.url }) }), {
        retry: { times: 3, base: "1 second" },
      })
    const flaky = Connector.layer(Reputation, {
      url: () =>
        Effect.gen(function* () {
          times.push(yield* Clock.currentTimeMillis)
          if (failures-- > 0) {
            return yield* new ConnectorError({
              connector: "reputation",
              action: "url",
              reason: new Transport({ detail: "reset" }),
            })
          }
          return { malicious: 0 }
        }),
      sender: () => Effect.succeed({ spf: "pass", domainAgeDays: 1 }),
    })
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(engine.run(pb, { url: "https://x.test/" }))
      for (let attempt = 1; attempt <= 3; attempt++) {
        yield* until(Effect.sync(() => (times.length >= attempt ? true : undefined)))
        yield* settle
        yield* TestClock.adjust("2 seconds")
      }
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(times.length, 3)
      const gap1 = times[1]! - times[0]!
      const gap2 = times[2]! - times[1]!
      // base 1 s with jitter in [50%, 100%]; the second delay doubles.
      assert.isTrue(gap1 >= 500 && gap1 <= 1000, `first backoff ${gap1}`)
      assert.isTrue(gap2 >= 1000 && gap2 <= 2000, `second backoff ${gap2}`)
    }).pipe(
      Effect.provide(
        Engine.layerMemory({ playbooks: [pb] }).pipe(
          Layer.provideMerge(CaseStoreMemory.layer),
          Layer.provide(flaky),
        ),
      ),
    )
  })

  it.effect("retry gives up on a non-retryable reason at once", () => {
    let calls = 0
    const pb = playbook("auth", { version: "1" })
      .trigger(Schema.Struct({ url: Schema.String }))
      .enrich("rep", (ctx) => ({ r: Reputation.url({ url: ctx.trigger.url }) }), { retry: { times: 5 } })
    const unauthorized = Connector.layer(Reputation, {
      url: () =>
        Effect.suspend(() => {
          calls++
          return Effect.fail(
            new ConnectorError({ connector: "reputation", action: "url", reason: new Unauthorized() }),
          )
        }),
      sender: () => Effect.succeed({ spf: "pass", domainAgeDays: 1 }),
    })
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const error = yield* Effect.flip(engine.run(pb, { url: "https://x.test/" }))
      assert.instanceOf(error, ConnectorError)
      assert.strictEqual((error as ConnectorError).reason._tag, "Unauthorized")
      assert.strictEqual(calls, 1)
    }).pipe(
      Effect.provide(
        Engine.layerMemory({ playbooks: [pb] }).pipe(
          Layer.provideMerge(CaseStoreMemory.layer),
          Layer.provide(unauthorized),
        ),
      ),
    )
  })

  it.effect("a call timeout fails the call with a Timeout reason (retryable)", () => {
    const log = makeLog()
    const pb = playbook("slow", { version: "1" })
      .trigger(Schema.Struct({ url: Schema.String }))
      .enrich("rep", (ctx) => ({ r: Reputation.url({ url: ctx.trigger.url }) }), { timeout: "5 seconds" })
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(Effect.flip(engine.run(pb, { url: "https://x.test/" })))
      yield* until(Effect.sync(() => (log.calls.length === 1 ? true : undefined)))
      yield* settle
      yield* TestClock.adjust("4999 millis")
      yield* settle
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const error = (yield* Fiber.join(fiber)) as ConnectorError
      assert.strictEqual(error.reason._tag, "Timeout")
      assert.isTrue(error.retryable)
    }).pipe(Effect.provide(setup(log, { urlDelay: () => "1 minute" }, [pb])))
  })

  it.effect("invalid trigger input is a typed error naming the failing path", () =>
    Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const error = yield* Effect.flip(engine.run(phishing, { ...input([]), urls: [1 as unknown as string] }))
      assert.instanceOf(error, TriggerValidationError)
      assert.strictEqual((error as TriggerValidationError).path, "urls[0]")
    }).pipe(Effect.provide(setup())),
  )

  it.effect("the same idempotency key joins the existing run instead of starting a second", () => {
    const log = makeLog()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const a = yield* engine.start(phishing, input(["https://evil.test/x"]))
      const b = yield* engine.start(phishing, input(["https://evil.test/x"]))
      assert.strictEqual(a.runId, b.runId)
      yield* pendingApproval
      const pending = yield* engine.pendingApprovals()
      assert.strictEqual(pending.length, 1)
      assert.strictEqual(log.calls.filter((c) => c.action === "search").length, 1)
    }).pipe(Effect.provide(setup(log, { maliciousHosts: ["evil.test"] })))
  })

  it.effect(
    "untyped callers: a destructive act without approval or policy is rejected before it runs",
    () => {
      const log = makeLog()
      const pb = playbook("unsafe", { version: "1" })
        .trigger(Schema.Struct({ id: Schema.String }))
        // A JavaScript caller has no type checker: simulate it with a cast.
        .act("purge", ((ctx: { trigger: { id: string } }) =>
          Mail.purge({ messageId: ctx.trigger.id, mailbox: "a" })) as never)
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const error = yield* Effect.flip(engine.run(pb, { id: "m" }))
        assert.instanceOf(error, PlaybookDefinitionError)
        assert.isFalse(log.calls.some((c) => c.action === "purge"))
      }).pipe(Effect.provide(setup(log, {}, [pb])))
    },
  )

  it.effect("approval checks: role, self-approval, quorum of two distinct approvers, replay", () => {
    const log = makeLog()
    const pb = playbook("quorum", { version: "1" })
      .trigger(Schema.Struct({ id: Schema.String }))
      .approve("gate", {
        roles: ["lead"],
        quorum: 2,
        timeout: "1 hour",
        onTimeout: "deny",
        summary: () => "purge",
      })
      .act("purge", (ctx) => Mail.purge({ messageId: ctx.trigger.id, mailbox: "a" }))
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(engine.run(pb, { id: "m" }))
      const request = yield* pendingApproval
      const wrongRole = yield* Effect.flip(
        engine.decide(request.id, { decision: "approve", actor: "eve", roles: ["analyst"] }),
      )
      assert.strictEqual((wrongRole as ApprovalError).reason, "RoleNotAllowed")
      const self = yield* Effect.flip(
        engine.decide(request.id, { decision: "approve", actor: request.requester, roles: ["lead"] }),
      )
      assert.strictEqual((self as ApprovalError).reason, "SelfApproval")
      const partial = yield* engine.decide(request.id, {
        decision: "approve",
        actor: "alice",
        roles: ["lead"],
      })
      assert.strictEqual(partial.decision, "pending")
      const twice = yield* Effect.flip(
        engine.decide(request.id, { decision: "approve", actor: "alice", roles: ["lead"] }),
      )
      assert.strictEqual((twice as ApprovalError).reason, "DuplicateApprover")
      assert.isFalse(log.calls.some((c) => c.action === "purge"))
      yield* engine.decide(request.id, { decision: "approve", actor: "bob", roles: ["lead"] })
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "completed")
      const replay = yield* Effect.flip(
        engine.decide(request.id, { decision: "approve", actor: "carol", roles: ["lead"] }),
      )
      assert.strictEqual((replay as ApprovalError).reason, "AlreadyDecided")
    }).pipe(Effect.provide(setup(log, {}, [pb])))
  })

  it.effect(
    "a decision recorded before a crash but never delivered to the gate is delivered by the next attempt",
    () => {
      const log = makeLog()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const store = yield* CaseStore.CaseStore
        const fiber = yield* Effect.forkChild(engine.run(phishing, input(["https://evil.test/crash"])))
        const request = yield* pendingApproval
        // What a process that died right after writing the decision leaves behind:
        yield* store.decideApproval(request.id, { decision: "approved", approvers: ["alice"], comment: null })
        yield* settle
        assert.isUndefined(fiber.pollUnsafe())
        const again = yield* Effect.flip(
          engine.decide(request.id, { decision: "approve", actor: "bob", roles: ["soc-lead"] }),
        )
        assert.strictEqual((again as ApprovalError).reason, "AlreadyDecided")
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "completed")
        assert.strictEqual(log.calls.filter((c) => c.action === "purge").length, 2)
      }).pipe(Effect.provide(setup(log, { maliciousHosts: ["evil.test"] })))
    },
  )

  it.effect("escalation: after the first timeout the gate goes to a second role; its timeout denies", () => {
    const log = makeLog()
    const pb = playbook("escalate", { version: "1" })
      .trigger(Schema.Struct({ id: Schema.String }))
      .approve("gate", {
        roles: ["analyst"],
        timeout: "30 minutes",
        onTimeout: "escalate",
        escalate: { roles: ["manager"], timeout: "1 hour" },
        summary: () => "isolate",
      })
      .act("purge", (ctx) => Mail.purge({ messageId: ctx.trigger.id, mailbox: "a" }))
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(engine.run(pb, { id: "m" }))
      const request = yield* pendingApproval
      yield* TestClock.adjust("31 minutes")
      const escalated = yield* until(
        engine
          .pendingApprovals()
          .pipe(Effect.map((p) => (p[0]?.decision === "escalated" ? p[0] : undefined))),
      )
      assert.deepStrictEqual(escalated.roles, ["manager"])
      const analyst = yield* Effect.flip(
        engine.decide(request.id, { decision: "approve", actor: "ann", roles: ["analyst"] }),
      )
      assert.strictEqual((analyst as ApprovalError).reason, "RoleNotAllowed")
      yield* TestClock.adjust("61 minutes")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "timed_out")
      assert.isFalse(log.calls.some((c) => c.action === "purge"))
    }).pipe(Effect.provide(setup(log, {}, [pb])))
  })

  it.effect("a child playbook runs as its own run with its own case", () => {
    const log = makeLog()
    const child = playbook("child", { version: "1" })
      .trigger(Schema.Struct({ url: Schema.String }))
      .enrich("rep", (ctx) => ({ r: Reputation.url({ url: ctx.trigger.url }) }))
    const parent = playbook("parent", { version: "1" })
      .trigger(Schema.Struct({ urls: Schema.Array(Schema.String) }))
      .call("first", child, (ctx) => ({ url: ctx.trigger.urls[0] ?? "" }))
      .step("childCase", (ctx) => ctx.first.caseId)
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const result = yield* engine.run(parent, { urls: ["https://a.test/"] })
      assert.deepStrictEqual(result.path, ["first", "childCase"])
      const store = yield* CaseStore.CaseStore
      const cases = yield* store.list({})
      assert.strictEqual(cases.length, 2)
      assert.isTrue(cases.some((c) => c.playbook === "child"))
      assert.strictEqual(log.calls.filter((c) => c.action === "url").length, 1)
    }).pipe(Effect.provide(setup(log, {}, [parent])))
  })
})

describe("hostile trigger values", () => {
  it.effect("control characters in a case title are stripped, not a defect", () => {
    const pb = playbook("titles", { version: "1" }).trigger(Schema.Struct({ subject: Schema.String }), {
      caseTitle: (i) => `Reported: ${i.subject}`,
    })
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const result = yield* engine.run(pb, { subject: "invoice\u0000\u001b[31m\nFAKE LINE" })
      const c = yield* (yield* CaseStore.CaseStore).get(result.caseId)
      assert.strictEqual(c.title, "Reported: invoice [31m FAKE LINE")
    }).pipe(Effect.provide(setup(makeLog(), {}, [pb])))
  })
})

describe("journaled steps", () => {
  it.effect(
    "a step with a journal schema runs once; a plain step is recomputed when the run resumes after a gate",
    () => {
      let plain = 0
      let journaled = 0
      const pb = playbook("journal", { version: "1" })
        .trigger(Schema.Struct({ id: Schema.String }))
        .step("plain", () => ++plain)
        .step("parsed", () => Effect.sync(() => ({ n: ++journaled })), {
          journal: Schema.Struct({ n: Schema.Number }),
        })
        .approve("gate", { roles: ["lead"], timeout: "1 hour", onTimeout: "deny", summary: () => "go" })
        .step("after", (ctx) => ctx.parsed.n)
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const fiber = yield* Effect.forkChild(engine.run(pb, { id: "x" }))
        const request = yield* pendingApproval
        yield* engine.decide(request.id, { decision: "approve", actor: "alice", roles: ["lead"] })
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "completed")
        assert.strictEqual(journaled, 1)
        assert.isAbove(plain, 1)
      }).pipe(Effect.provide(setup(makeLog(), {}, [pb])))
    },
  )
})

describe("approval reminders", () => {
  it.effect(
    "a waiting gate reminds its approvers every interval, once per interval, and stops when decided",
    () => {
      const reminded: Array<string> = []
      const pb = playbook("remind", { version: "1" })
        .trigger(Schema.Struct({ id: Schema.String }))
        .approve("gate", {
          roles: ["lead"],
          timeout: "4 hours",
          remindEvery: "1 hour",
          onTimeout: "deny",
          summary: () => "isolate host",
        })
        .step("done", () => true)
      const layer = Engine.layerMemory({ playbooks: [pb] }).pipe(
        Layer.provideMerge(CaseStoreMemory.layer),
        Layer.provide(mocks(makeLog())),
        Layer.provide(
          Layer.succeed(Reminders.Reminders, {
            remind: (r) => Effect.sync(() => void reminded.push(r.summary)),
          }),
        ),
      )
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const fiber = yield* Effect.forkChild(engine.run(pb, { id: "x" }))
        const request = yield* pendingApproval
        for (let i = 0; i < 5; i++) {
          yield* settle
          yield* TestClock.adjust("30 minutes")
        }
        yield* settle
        assert.deepStrictEqual(reminded, ["isolate host", "isolate host"])
        yield* engine.decide(request.id, { decision: "approve", actor: "alice", roles: ["lead"] })
        assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
        yield* TestClock.adjust("3 hours")
        yield* settle
        assert.strictEqual(reminded.length, 2)
        const view = yield* (yield* CaseStore.CaseStore).view(request.caseId)
        assert.strictEqual(view.timeline.filter((e) => e.message.startsWith("reminder ")).length, 2)
      }).pipe(Effect.provide(layer))
    },
  )
})

describe("four-eyes for runs started by a person", () => {
  it.effect("the analyst who started the run is the requester and cannot approve it; another can", () => {
    const log = makeLog()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const { runId } = yield* engine.start(phishing, input(["https://evil.test/4eyes"]), { actor: "carol" })
      const request = yield* pendingApproval
      assert.strictEqual(request.requester, "carol")
      const own = yield* Effect.flip(
        engine.decide(request.id, { decision: "approve", actor: "carol", roles: ["soc-lead"] }),
      )
      assert.strictEqual((own as ApprovalError).reason, "SelfApproval")
      yield* engine.decide(request.id, { decision: "approve", actor: "dave", roles: ["soc-lead"] })
      const result = yield* engine
        .result(runId, { interval: "1 millis" })
        .pipe(Effect.raceFirst(Effect.forever(Effect.andThen(settle, TestClock.adjust("1 millis")))))
      assert.strictEqual(result.status, "completed")
    }).pipe(Effect.provide(setup(log, { maliciousHosts: ["evil.test"] })))
  })
})
