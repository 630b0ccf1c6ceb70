/**
 * Type tests: `npm run typecheck` checks every `@ts-expect-error` below fails to compile for the
 * stated reason, and every positive case compiles. The runtime assertions keep vitest honest
 * about the same definitions.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Schema } from "effect"
import { Playbook, playbook, policy } from "../src/index.ts"
import { Mail, Reputation } from "./fixtures.ts"

const Trigger = Schema.Struct({ url: Schema.String, messageId: Schema.String })
const base = playbook("types", { version: "1" }).trigger(Trigger)

describe("playbook types", () => {
  it("the first stage only offers .trigger()", () => {
    const start = playbook("x", { version: "1" })
    // @ts-expect-error no .step() before .trigger()
    expect(() => start.step).toBeDefined()
    expectTypeOf(start).toHaveProperty("trigger")
  })

  it("each stage widens the context with a flat, readable type", () => {
    const p = base
      .step("host", (ctx) => new URL(ctx.trigger.url).hostname)
      .step("len", (ctx) => ctx.host.length)
    type Ctx = (typeof p)["~riposte/Playbook"]["ctx"]
    expectTypeOf<Ctx>().toEqualTypeOf<{
      readonly trigger: { readonly url: string; readonly messageId: string }
      readonly host: string
      readonly len: number
    }>()
  })

  it("duplicate step names are rejected", () => {
    // @ts-expect-error step 'host' is already defined on this path
    base.step("host", () => 1).step("host", () => 2)
    // @ts-expect-error 'trigger' is taken by the trigger input
    base.step("trigger", () => 1)
  })

  it("enrich gives outputs, or Outcome values with onError: continue", () => {
    const p = base
      .enrich("rep", (ctx) => ({ url: Reputation.url({ url: ctx.trigger.url }) }))
      .enrich("many", (ctx) => [Reputation.url({ url: ctx.trigger.url })], { onError: "continue" })
    type Ctx = (typeof p)["~riposte/Playbook"]["ctx"]
    expectTypeOf<Ctx["rep"]["url"]>().toEqualTypeOf<{ readonly malicious: number }>()
    expectTypeOf<Ctx["many"]>().toEqualTypeOf<Array<Playbook.Outcome<{ readonly malicious: number }>>>()
  })

  it("a destructive act needs an approval on its path or an explicit policy", () => {
    const purge = (ctx: { trigger: { messageId: string } }) =>
      Mail.purge({ messageId: ctx.trigger.messageId, mailbox: "a" })
    // @ts-expect-error destructive action: add .approve() before it on this path…
    base.act("purge", purge)
    // @ts-expect-error also for arrays of destructive calls
    base.act("purge", (ctx) => [purge(ctx)])
    base.act("purge", purge, { policy: policy("auto-purge-known-campaign", "hash on the campaign list") })
    base
      .approve("ok", { roles: ["soc"], timeout: "1 hour", onTimeout: "deny", summary: () => "purge" })
      .act("purge", purge)
    // write actions need neither
    base.act("notify", () => Mail.notify({ to: "a", text: "b" }))
  })

  it("branch arms are exhaustive and the context after is the union of the arms", () => {
    const d = base.decide("verdict", (ctx) => (ctx.trigger.url.includes("x") ? "bad" : "good"))
    // @ts-expect-error arm 'good' is missing
    d.branch("verdict", { bad: (p) => p })
    d.branch("verdict", {
      bad: (p) => p,
      good: (p) => p,
      // @ts-expect-error 'ugly' is not an outcome of 'verdict'
      ugly: (p) => p,
    })
    // @ts-expect-error 'trigger' is not a decision
    base.branch("trigger", {})
    const after = d.branch("verdict", {
      bad: (p) => p.step("a", () => 1),
      good: (p) => p.step("b", () => "x"),
    })
    type Ctx = (typeof after)["~riposte/Playbook"]["ctx"]
    expectTypeOf<Ctx>().toEqualTypeOf<
      | {
          readonly trigger: { readonly url: string; readonly messageId: string }
          readonly verdict: "bad"
          readonly a: number
        }
      | {
          readonly trigger: { readonly url: string; readonly messageId: string }
          readonly verdict: "good"
          readonly b: string
        }
    >()
  })

  it("arms that close the case leave the context of the others; the narrowed decision is visible in each arm", () => {
    const after = base
      .decide("v", () => (Math.random() > 2 ? "a" : "b"))
      .branch("v", {
        a: (p) => p.step("seen", (ctx) => ctx.v).close("done"),
        b: (p) => p.step("other", (ctx) => ctx.v),
      })
    type Ctx = (typeof after)["~riposte/Playbook"]["ctx"]
    expectTypeOf<Ctx["v"]>().toEqualTypeOf<"b">()
    expectTypeOf<Ctx>().toHaveProperty("other").toEqualTypeOf<"b">()
  })

  it("after .approve() the gate result is typed as granted", () => {
    const p = base.approve("gate", {
      roles: ["soc"],
      timeout: "1 hour",
      onTimeout: "deny",
      summary: () => "s",
    })
    type Ctx = (typeof p)["~riposte/Playbook"]["ctx"]
    expectTypeOf<Ctx["gate"]["decision"]>().toEqualTypeOf<"approved">()
  })

  it("the builder is immutable: each call returns a new frozen builder", () => {
    const a = base.step("x", () => 1)
    const b = a.step("y", () => 2)
    expect(a).not.toBe(b)
    expect(Object.isFrozen(a)).toBe(true)
    expect(Object.isFrozen(a.definition.nodes)).toBe(true)
    expect(a.definition.nodes.map((n) => n.kind)).toEqual(["step"])
    expect(b.definition.nodes.map((n) => n.kind)).toEqual(["step", "step"])
    expect(Playbook.isPlaybook(b)).toBe(true)
  })
})
