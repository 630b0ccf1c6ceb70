import { assert, describe, it } from "@effect/vitest"
import { CaseStore, Engine } from "@riposte/core"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { BudgetCounters, Guardrails, Scope } from "../src/index.ts"
import { pendingApproval } from "./backends.ts"
import { containHosts, disableUsers, makeWorld, memoryEngine, type World } from "./fixtures.ts"

const setup = (world: World, options: Guardrails.Options) =>
  memoryEngine(world, [containHosts, disableUsers]).pipe(
    Layer.provide(Guardrails.layer(options)),
    Layer.provide(BudgetCounters.layerMemory),
  )

const actionsOf = (caseId: string) =>
  Effect.gen(function* () {
    const store = yield* CaseStore.CaseStore
    return (yield* store.view(caseId)).actions
  })

describe("Guardrails.layer on the in-memory engine", () => {
  it.effect(
    "per-run budget with onOverBudget 'fail': the first N run, the rest are blocked with the reason",
    () => {
      const world = makeWorld()
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const result = yield* engine.run(containHosts, { incident: "i1", hosts: ["h1", "h2", "h3"] })
        assert.deepStrictEqual([...world.isolated], ["h1", "h2"])
        const actions = yield* actionsOf(result.caseId)
        assert.deepStrictEqual(
          actions.map((a) => a.status),
          ["succeeded", "succeeded", "blocked"],
        )
        assert.match(actions[2]!.outputSummary ?? "", /budget exceeded: at most 2 host target\(s\) per run/)
        const store = yield* CaseStore.CaseStore
        const timeline = (yield* store.view(result.caseId)).timeline
        assert.isTrue(timeline.some((e) => e.kind === "guardrail" && e.message.includes("budget exceeded")))
      }).pipe(
        Effect.provide(setup(world, { budgets: { global: { host: { perRun: 2 } } }, onOverBudget: "fail" })),
      )
    },
  )

  it.effect("over budget with onOverBudget 'approve': a gate says why; once approved every call runs", () => {
    const world = makeWorld()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(
        engine.run(containHosts, { incident: "i2", hosts: ["h1", "h2", "h3"] }),
      )
      const request = yield* pendingApproval
      assert.match(request.summary, /^Guardrail: budget exceeded: at most 2 host/)
      assert.deepStrictEqual(request.roles, ["incident-commander"])
      assert.strictEqual(world.calls.length, 0)
      yield* engine.decide(request.id, { decision: "approve", actor: "alice", roles: ["incident-commander"] })
      yield* Fiber.join(fiber)
      assert.deepStrictEqual([...world.isolated], ["h1", "h2", "h3"])
    }).pipe(
      Effect.provide(
        setup(world, {
          budgets: { global: { host: { perRun: 2 } } },
          onOverBudget: "approve",
          approverRoles: ["incident-commander"],
        }),
      ),
    )
  })

  it.effect("over budget and the gate denied: only the calls within budget run", () => {
    const world = makeWorld()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      const fiber = yield* Effect.forkChild(
        engine.run(containHosts, { incident: "i3", hosts: ["h1", "h2", "h3"] }),
      )
      const request = yield* pendingApproval
      yield* engine.decide(request.id, { decision: "deny", actor: "alice", roles: ["ic"] })
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual([...world.isolated], ["h1", "h2"])
      const actions = yield* actionsOf(result.caseId)
      assert.match(actions[2]!.outputSummary ?? "", /\(approval not granted\)$/)
    }).pipe(
      Effect.provide(
        setup(world, {
          budgets: { global: { host: { perRun: 2 } } },
          onOverBudget: "approve",
          approverRoles: ["ic"],
        }),
      ),
    )
  })

  it.effect("per-hour budget is shared by runs of the tenant and resets in the next hour", () => {
    const world = makeWorld()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      yield* engine.run(containHosts, { incident: "a", hosts: ["h1", "h2"] })
      yield* engine.run(containHosts, { incident: "b", hosts: ["h3", "h4"] })
      assert.deepStrictEqual([...world.isolated], ["h1", "h2", "h3"])
      yield* TestClock.adjust("1 hour")
      yield* engine.run(containHosts, { incident: "c", hosts: ["h5"] })
      assert.isTrue(world.isolated.has("h5"))
    }).pipe(
      Effect.provide(setup(world, { budgets: { global: { host: { perHour: 3 } } }, onOverBudget: "fail" })),
    )
  })

  it.effect("per-playbook budgets apply to that playbook only", () => {
    const world = makeWorld()
    return Effect.gen(function* () {
      const engine = yield* Engine.Engine
      yield* engine.run(disableUsers, { incident: "u", users: ["u1", "u2", "u3"] })
      yield* engine.run(containHosts, { incident: "h", hosts: ["h1", "h2", "h3"] })
      assert.deepStrictEqual([...world.disabled], ["u1"])
      assert.strictEqual(world.isolated.size, 3)
    }).pipe(
      Effect.provide(
        setup(world, {
          budgets: { playbooks: { "disable-users": { account: { perRun: 1 } } } },
          onOverBudget: "fail",
        }),
      ),
    )
  })

  it.effect(
    "scope rules: domain controllers, protected groups; reasons recorded; lookups fail closed",
    () => {
      const world = makeWorld()
      const tags: Record<string, ReadonlyArray<string>> = { dc1: ["domain-controller"], ws1: ["workstation"] }
      const groups: Record<string, ReadonlyArray<string>> = { admin: ["Domain Admins"], bob: ["Sales"] }
      return Effect.gen(function* () {
        const engine = yield* Engine.Engine
        const hosts = yield* engine.run(containHosts, { incident: "s1", hosts: ["ws1", "dc1", "broken"] })
        assert.deepStrictEqual([...world.isolated], ["ws1"])
        const hostActions = yield* actionsOf(hosts.caseId)
        assert.deepStrictEqual(
          hostActions.map((a) => a.status),
          ["succeeded", "blocked", "blocked"],
        )
        assert.strictEqual(
          hostActions[1]!.outputSummary,
          "scope rule 'never-domain-controller': host(s) tagged 'domain-controller' are out of scope: dc1",
        )
        assert.match(hostActions[2]!.outputSummary ?? "", /could not be evaluated \(fail closed\)/)
        const users = yield* engine.run(disableUsers, { incident: "s2", users: ["bob", "admin"] })
        assert.deepStrictEqual([...world.disabled], ["bob"])
        const userActions = yield* actionsOf(users.caseId)
        assert.match(userActions[1]!.outputSummary ?? "", /protected group \(Domain Admins\): admin/)
      }).pipe(
        Effect.provide(
          setup(world, {
            scope: [
              Scope.neverIsolateTagged({
                tag: "domain-controller",
                lookupTags: (host) => (host in tags ? Effect.succeed(tags[host]!) : Effect.fail("cmdb down")),
              }),
              Scope.protectedGroups({
                groups: ["Domain Admins"],
                lookupGroups: (user) => Effect.succeed(groups[user] ?? []),
              }),
            ],
          }),
        ),
      )
    },
  )
})

describe("Scope rules", () => {
  const call = (over: Partial<Parameters<Scope.Rule["check"]>[0]>) => ({
    runId: "r",
    caseId: "c",
    playbook: "p",
    playbookVersion: "1",
    tenant: "default",
    step: "s",
    index: 0,
    connector: "mail",
    action: "purge",
    kind: "destructive" as const,
    budget: "mailbox" as const,
    targets: [],
    input: {},
    approvalRef: null,
    ...over,
  })

  it.effect(
    "internalDomainsOnly: purges only internal mailboxes (subdomains too); non-addresses are out",
    () =>
      Effect.gen(function* () {
        const rule = Scope.internalDomainsOnly({ domains: ["Corp.example"] })
        assert.isUndefined(yield* rule.check(call({ targets: ["a@corp.example", "b@eu.corp.example"] })))
        assert.strictEqual(
          yield* rule.check(call({ targets: ["a@corp.example", "x@evilcorp.example", "not-an-address"] })),
          "mailbox(es) outside internal domains: x@evilcorp.example, not-an-address",
        )
        // Reads are never restricted.
        assert.isUndefined(yield* rule.check(call({ kind: "read", targets: ["x@evil.example"] })))
      }),
  )

  it.effect("evaluate: the first rule with a reason blocks; deny and allowTargets helpers", () =>
    Effect.gen(function* () {
      const rules = [
        Scope.allowTargets(
          "lab",
          (c) => c.budget === "host",
          (t) => t.endsWith(".lab"),
        ),
        Scope.deny("no-purge", (c) => c.action === "purge", "purges are frozen"),
      ]
      assert.strictEqual(yield* Scope.evaluate(rules, call({})), "scope rule 'no-purge': purges are frozen")
      assert.strictEqual(
        yield* Scope.evaluate(
          rules,
          call({ budget: "host", action: "isolate", targets: ["a.lab", "b.prod"] }),
        ),
        "scope rule 'lab': outside the allowed scope: b.prod",
      )
      assert.isUndefined(
        yield* Scope.evaluate(rules, call({ budget: "host", action: "isolate", targets: ["a.lab"] })),
      )
    }),
  )
})
