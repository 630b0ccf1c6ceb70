/**
 * Threat-intel actioning: a STIX 2.1 bundle (e.g. a CISA advisory) goes in. Indicator patterns
 * are parsed (bounded parser, ./StixPattern.ts), network indicators are deduped against what the
 * blocklist already holds, and the new ones are pushed in batches — one `act` step per batch, so
 * the guardrails' `indicator` budget is checked batch by batch — each entry expiring at its
 * `valid_until` (TTL computed from the bundle's receive time, never the wall clock). File hashes
 * are recorded on the case (an EDL carries network indicators only).
 */
import { SafeJson } from "@riposte/alerts"
import { Blocklist } from "@riposte/connector-blocklist"
import { playbook, policy } from "@riposte/core"
import { Effect, Schema } from "effect"
import { type Candidate, indicatorsOf } from "./Stix.ts"

export const Bundle = Schema.Struct({
  /** The bundle as received (JSON text): parsed with SafeJson's limits inside the run. */
  bundleJson: Schema.String.check(Schema.isMaxLength(8 * 1024 * 1024)),
  /** When the bundle was received: the reference time of every TTL. */
  receivedAt: Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/)),
  source: Schema.String.check(Schema.isBetweenLength(1, 200)),
})
export type Bundle = typeof Bundle.Type

export interface ThreatIntelConfig {
  readonly batchSize: number
  readonly maxBatches: number
  /** TTL of an indicator without `valid_until`. */
  readonly defaultTtlDays: number
}

const network = new Set(["ipv4", "ipv6", "domain", "url", "email"])
const blockKey = (c: { type: string; value: string }) => (c.type === "url" ? c.value : c.value.toLowerCase())

const autoBlock = policy(
  "cti-auto-block",
  "Indicators from a trusted advisory feed, each with a TTL; counted against the indicator budget",
)

/** Builds the playbook for a batch size, a batch count and a default TTL. */
export const makeThreatIntel = (config: ThreatIntelConfig) => {
  const base = playbook("threat-intel", {
    version: "1.0.0",
    description: "Ingest a STIX 2.1 bundle, dedupe against the blocklist, block in batches with TTLs.",
    owner: "cti",
    attack: ["T1071", "T1071.001", "T1105", "T1566.002"],
  })
    .trigger(Bundle, { caseTitle: (b) => `Threat intel: ${b.source}`.slice(0, 200) })
    .step("bundle", (ctx) =>
      SafeJson.parse(ctx.trigger.bundleJson, {
        maxBytes: 8 * 1024 * 1024,
        maxDepth: 64,
        maxKeys: 1_000_000,
      }).pipe(
        Effect.map((json) => ({
          ok: true as const,
          ...indicatorsOf(json, Date.parse(ctx.trigger.receivedAt)),
        })),
        Effect.catchTag("SafeJsonError", (e) =>
          Effect.succeed({ ok: false as const, reason: e.reason, detail: e.detail }),
        ),
      ),
    )
    .enrich("current", () => ({ blocklist: Blocklist.list({}) }))
    .step("plan", (ctx) => {
      const candidates: ReadonlyArray<Candidate> = ctx.bundle.ok ? ctx.bundle.candidates : []
      const blocked = new Set(
        ctx.current.blocklist.entries.map((e) => (/^https?:/i.test(e) ? e : e.toLowerCase())),
      )
      const fresh = candidates.filter((c) => network.has(c.type) && !blocked.has(blockKey(c)))
      const capacity = config.batchSize * config.maxBatches
      const batches = Array.from({ length: config.maxBatches }, (_, i) =>
        fresh.slice(i * config.batchSize, (i + 1) * config.batchSize),
      ).filter((b) => b.length > 0)
      return {
        batches,
        already: candidates.filter((c) => network.has(c.type) && blocked.has(blockKey(c))).length,
        hashes: candidates.filter((c) => !network.has(c.type)),
        deferred: fresh.slice(capacity).map((c) => c.value),
      }
    })

  type Ctx = (typeof base)["~riposte/Playbook"]["ctx"]
  /** The builder without types: batch step names are computed, so they cannot be literal types. */
  interface Untyped {
    decide(name: string, f: (ctx: Ctx) => string): Untyped
    branch(name: string, arms: Readonly<Record<string, (q: Untyped) => Untyped>>): Untyped
    act(name: string, f: (ctx: Ctx) => ReadonlyArray<unknown>, options: object): Untyped
  }
  let withBatches = base
  for (let i = 0; i < config.maxBatches; i++) {
    withBatches = (withBatches as unknown as Untyped)
      .decide(`batch-${i}`, (ctx) => (ctx.plan.batches.length > i ? "push" : "none"))
      .branch(`batch-${i}`, {
        push: (q) =>
          q.act(
            `block-${i}`,
            (ctx) =>
              ctx.plan.batches[i]!.map((c) =>
                Blocklist.add({
                  value: c.value,
                  ttlSeconds: c.ttlSeconds ?? config.defaultTtlDays * 86_400,
                  comment: `${ctx.trigger.source}: ${c.sources[0]}`.slice(0, 500),
                }),
              ),
            { policy: autoBlock, concurrency: 8 },
          ),
        none: (q) => q,
      }) as unknown as typeof base
  }

  return withBatches
    .step("outcome", (ctx) => {
      const results = ctx as unknown as Record<string, ReadonlyArray<unknown> | undefined>
      let pushed = 0
      let refused = 0
      ctx.plan.batches.forEach((batch, i) => {
        const done = results[`block-${i}`] ?? []
        for (let j = 0; j < batch.length; j++) {
          if (done[j] === undefined) refused++
          else pushed++
        }
      })
      return { pushed, refused }
    })
    .case((ctx) => {
      const reasons = new Map<string, number>()
      for (const r of ctx.bundle.ok ? ctx.bundle.rejected : [])
        reasons.set(
          r.reason.replace(/'[^']*'/, "'…'"),
          (reasons.get(r.reason.replace(/'[^']*'/, "'…'")) ?? 0) + 1,
        )
      return {
        severity: "medium",
        status: "triaged",
        tags: ["threat-intel"],
        observables: ctx.plan.hashes.slice(0, 500).map((h) => ({
          type: h.type,
          raw: h.value,
          verdict: "malicious" as const,
          source: ctx.trigger.source,
        })),
        note: ctx.bundle.ok
          ? [
              `${ctx.bundle.indicators} STIX indicators → ${ctx.bundle.candidates.length} distinct observables`,
              `blocked now: ${ctx.outcome.pushed}; already blocked: ${ctx.plan.already}; refused by guardrails: ${ctx.outcome.refused}`,
              `file hashes recorded on the case (not blockable on an EDL): ${ctx.plan.hashes.length}`,
              ...(ctx.plan.deferred.length > 0
                ? [
                    `deferred (over ${config.maxBatches} batches of ${config.batchSize}; the next run picks them up): ${ctx.plan.deferred.length}`,
                  ]
                : []),
              ...[...reasons].map(([reason, n]) => `not actioned (${n}): ${reason}`),
            ].join("\n")
          : `bundle rejected: ${ctx.bundle.reason}: ${ctx.bundle.detail}`,
        ...(ctx.outcome.refused > 0 || ctx.plan.deferred.length > 0 || !ctx.bundle.ok
          ? { assignee: "cti" }
          : {}),
      }
    })
}
