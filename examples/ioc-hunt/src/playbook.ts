/**
 * IOC hunting: a new indicator goes in; the SIEM/EDR is swept for the hosts that touched it in
 * the look-back window; one child run (`ioc-hunt-host`, its own case) is opened per host through
 * `.call()`; the parent case lists every host with a link to its case.
 *
 * The DSL has no dynamic fan-out, so the parent has `maxHosts` fixed slots (a decide + branch +
 * call each): a sweep that finds more hosts records the overflow on the parent case and sends it
 * to tier 2 instead of silently dropping hosts.
 */
import { type Playbook, playbook } from "@riposte/core"
import { Schema } from "effect"
import { Indicator, Siem, Sighting } from "./Siem.ts"

/** At most this many child cases per hunt. */
export const maxHosts = 10

export const Hunt = Schema.Struct({
  indicator: Indicator,
  /** Look-back window, ISO times: given by the trigger, never the wall clock. */
  from: Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T/)),
  to: Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T/)),
  source: Schema.String.check(Schema.isMaxLength(200)),
})
export type Hunt = typeof Hunt.Type

/** The child: one host that touched the indicator → its own case. */
export const iocHuntHost = playbook("ioc-hunt-host", {
  version: "1.0.0",
  description: "One host that touched a hunted indicator: open its case.",
  attack: ["T1071", "T1105"],
})
  .trigger(Schema.Struct({ indicator: Indicator, sighting: Sighting, source: Schema.String }), {
    caseTitle: (t) =>
      `Host ${t.sighting.host} touched ${t.indicator.type} ${t.indicator.value}`.slice(0, 200),
  })
  .case((ctx) => ({
    severity: "high",
    status: "triaged",
    tags: ["ioc-hunt"],
    observables: [
      {
        type: ctx.trigger.indicator.type,
        raw: ctx.trigger.indicator.value,
        verdict: "malicious",
        source: ctx.trigger.source,
      },
      { type: "host", raw: ctx.trigger.sighting.host, source: "siem" },
    ],
    note: `${ctx.trigger.sighting.events} event(s) between ${ctx.trigger.sighting.firstSeen} and ${ctx.trigger.sighting.lastSeen} (indicator from ${ctx.trigger.source})`,
  }))

const base = playbook("ioc-hunt", {
  version: "1.0.0",
  description: "Sweep the SIEM/EDR for hosts that touched a new indicator; one case per host.",
  owner: "threat-hunting",
  attack: ["T1071", "T1105", "T1566.002"],
})
  .trigger(Hunt, {
    idempotencyKey: (h) => `${h.indicator.type}:${h.indicator.value}:${h.from}:${h.to}`,
    caseTitle: (h) => `IOC hunt: ${h.indicator.type} ${h.indicator.value}`.slice(0, 200),
  })
  .enrich("sweep", (ctx) => ({
    siem: Siem.search({
      indicator: ctx.trigger.indicator,
      from: ctx.trigger.from,
      to: ctx.trigger.to,
      limit: 1000,
    }),
  }))
  .step("hosts", (ctx) => {
    const byHost = new Map<string, (typeof ctx.sweep.siem.sightings)[number]>()
    for (const s of ctx.sweep.siem.sightings) {
      const key = s.host.toLowerCase()
      const seen = byHost.get(key)
      byHost.set(key, seen === undefined ? s : { ...seen, events: seen.events + s.events })
    }
    const all = [...byHost.values()].sort((a, b) => b.events - a.events || a.host.localeCompare(b.host))
    return {
      opened: all.slice(0, maxHosts),
      overflow: all.slice(maxHosts).map((s) => s.host),
      truncated: ctx.sweep.siem.truncated,
    }
  })

type Ctx = (typeof base)["~riposte/Playbook"]["ctx"]

/** The builder seen without its types: slot names are computed, so they cannot be literal types. */
interface Untyped {
  decide(name: string, f: (ctx: Ctx) => string): Untyped
  branch(name: string, arms: Readonly<Record<string, (q: Untyped) => Untyped>>): Untyped
  call(name: string, child: Playbook.Any, input: (ctx: Ctx) => unknown): Untyped
}

/** One slot: when host `i` exists, a child run opens its case. The context type is unchanged. */
const slot = (p: typeof base, i: number): typeof base =>
  (p as unknown as Untyped)
    .decide(`host-${i}`, (ctx) => (ctx.hosts.opened.length > i ? "open" : "none"))
    .branch(`host-${i}`, {
      open: (q) =>
        q.call(`case-${i}`, iocHuntHost, (ctx) => ({
          indicator: ctx.trigger.indicator,
          sighting: ctx.hosts.opened[i]!,
          source: ctx.trigger.source,
        })),
      none: (q) => q,
    }) as unknown as typeof base

let withSlots = base
for (let i = 0; i < maxHosts; i++) withSlots = slot(withSlots, i)

export const iocHunt = withSlots
  .case((ctx) => {
    const children = ctx as unknown as Record<string, Playbook.ChildResult | undefined>
    const lines = ctx.hosts.opened.map(
      (s, i) => `- ${s.host}: ${s.events} event(s), case ${children[`case-${i}`]?.caseId ?? "?"}`,
    )
    const incomplete = ctx.hosts.overflow.length > 0 || ctx.hosts.truncated
    return {
      severity: ctx.hosts.opened.length > 0 ? "high" : "low",
      status: "triaged",
      ...(incomplete ? { assignee: "tier2" } : {}),
      note: [
        `${ctx.hosts.opened.length} host(s) touched ${ctx.trigger.indicator.value} between ${ctx.trigger.from} and ${ctx.trigger.to}`,
        ...lines,
        ...(ctx.hosts.overflow.length > 0
          ? [`over the ${maxHosts}-case limit, no case opened: ${ctx.hosts.overflow.join(", ")}`]
          : []),
        ...(ctx.hosts.truncated ? ["the SIEM truncated its answer: widen the search manually"] : []),
      ].join("\n"),
    }
  })
  .decide("found", (ctx) => (ctx.hosts.opened.length > 0 ? "hosts" : "none"))
  .branch("found", {
    hosts: (p) => p,
    none: (p) =>
      p.close(
        (ctx) =>
          `no host touched ${ctx.trigger.indicator.value} between ${ctx.trigger.from} and ${ctx.trigger.to}`,
      ),
  })
