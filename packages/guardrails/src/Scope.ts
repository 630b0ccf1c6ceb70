/**
 * Scope rules: allow/deny predicates on the targets and metadata of a planned call. A rule
 * returns the reason to block, or `undefined` to let the call through. Rules fail closed: a
 * lookup that fails blocks the call.
 *
 * @example
 * ```ts
 * const rules = [
 *   Scope.neverIsolateTagged({ tag: "domain-controller", lookupTags: (host) => cmdb.tags(host) }),
 *   Scope.protectedGroups({ groups: ["Domain Admins"], lookupGroups: (user) => idp.groups(user) }),
 *   Scope.internalDomainsOnly({ domains: ["corp.example"] }),
 * ]
 * ```
 * @since 0.1.0
 */
import type { Guardrails } from "@riposte/core"
import { Effect } from "effect"

type PlannedCall = Guardrails.PlannedCall

/** One scope rule. */
export interface Rule {
  readonly name: string
  /** The reason to block `call`, or `undefined`. A failure blocks the call too (fail closed). */
  readonly check: (call: PlannedCall) => Effect.Effect<string | undefined, unknown>
}

/**
 * A rule from a function.
 *
 * @example
 * ```ts
 * Scope.rule("no-weekend-purges", (call) => Effect.succeed(call.action === "purge" ? "frozen" : undefined))
 * ```
 */
export const rule = (name: string, check: Rule["check"]): Rule => ({ name, check })

/**
 * Blocks every call matching `when`.
 *
 * @example
 * ```ts
 * Scope.deny("no-user-deletion", (call) => call.action === "deleteUser", "user deletion is never automated")
 * ```
 */
export const deny = (name: string, when: (call: PlannedCall) => boolean, reason: string): Rule =>
  rule(name, (call) => Effect.succeed(when(call) ? reason : undefined))

/**
 * Blocks a matching call unless every target satisfies `allowed`.
 *
 * @example
 * ```ts
 * Scope.allowTargets("lab-hosts-only", (c) => c.budget === "host", (host) => host.endsWith(".lab"))
 * ```
 */
export const allowTargets = (
  name: string,
  when: (call: PlannedCall) => boolean,
  allowed: (target: string) => boolean,
): Rule =>
  rule(name, (call) => {
    if (!when(call)) return Effect.succeed(undefined)
    const outside = call.targets.filter((t) => !allowed(t))
    return Effect.succeed(
      outside.length === 0 ? undefined : `outside the allowed scope: ${outside.join(", ")}`,
    )
  })

/** Write or destructive calls counted against `category`. */
const writesOn =
  (category: NonNullable<PlannedCall["budget"]>) =>
  (call: PlannedCall): boolean =>
    call.kind !== "read" && call.budget === category

/** Blocks `call` when any target is flagged by an effectful lookup. */
const flagTargets = (
  name: string,
  when: (call: PlannedCall) => boolean,
  flagged: (target: string) => Effect.Effect<boolean, unknown>,
  describe: (targets: ReadonlyArray<string>) => string,
): Rule =>
  rule(name, (call) =>
    !when(call)
      ? Effect.succeed(undefined)
      : Effect.forEach(call.targets, (t) => Effect.map(flagged(t), (f) => (f ? [t] : [])), {
          concurrency: 4,
        }).pipe(
          Effect.map((hits) => hits.flat()),
          Effect.map((hits) => (hits.length === 0 ? undefined : describe(hits))),
        ),
  )

/**
 * Never isolates (or otherwise writes to) hosts carrying `tag` in the asset inventory.
 * Applies by default to write/destructive calls in the `host` budget category.
 *
 * @example
 * ```ts
 * Scope.neverIsolateTagged({ tag: "domain-controller", lookupTags: (host) => Effect.succeed(cmdb[host] ?? []) })
 * ```
 */
export const neverIsolateTagged = (options: {
  readonly tag: string
  readonly lookupTags: (host: string) => Effect.Effect<ReadonlyArray<string>, unknown>
  readonly when?: (call: PlannedCall) => boolean
}): Rule =>
  flagTargets(
    `never-${options.tag}`,
    options.when ?? writesOn("host"),
    (host) => Effect.map(options.lookupTags(host), (tags) => tags.includes(options.tag)),
    (hosts) => `host(s) tagged '${options.tag}' are out of scope: ${hosts.join(", ")}`,
  )

/**
 * Never disables (or otherwise writes to) accounts in a protected group.
 * Applies by default to write/destructive calls in the `account` budget category.
 *
 * @example
 * ```ts
 * Scope.protectedGroups({ groups: ["Domain Admins"], lookupGroups: (user) => directory.groupsOf(user) })
 * ```
 */
export const protectedGroups = (options: {
  readonly groups: ReadonlyArray<string>
  readonly lookupGroups: (account: string) => Effect.Effect<ReadonlyArray<string>, unknown>
  readonly when?: (call: PlannedCall) => boolean
}): Rule =>
  flagTargets(
    "protected-groups",
    options.when ?? writesOn("account"),
    (account) =>
      Effect.map(options.lookupGroups(account), (gs) => gs.some((g) => options.groups.includes(g))),
    (accounts) => `account(s) in a protected group (${options.groups.join(", ")}): ${accounts.join(", ")}`,
  )

const domainOf = (address: string): string | undefined => {
  const at = address.lastIndexOf("@")
  return at <= 0 || at === address.length - 1 ? undefined : address.slice(at + 1).toLowerCase()
}

/**
 * Purges mail only from mailboxes of internal domains (or their subdomains). Applies by default
 * to write/destructive calls in the `mailbox` or `message` categories; a target that is not an
 * address is out of scope.
 *
 * @example
 * ```ts
 * Scope.internalDomainsOnly({ domains: ["corp.example"] })
 * ```
 */
export const internalDomainsOnly = (options: {
  readonly domains: ReadonlyArray<string>
  readonly when?: (call: PlannedCall) => boolean
}): Rule => {
  const domains = options.domains.map((d) => d.toLowerCase())
  const internal = (target: string) => {
    const d = domainOf(target)
    return d !== undefined && domains.some((x) => d === x || d.endsWith(`.${x}`))
  }
  return rule("internal-domains-only", (call) => {
    const applies =
      options.when?.(call) ??
      (call.kind !== "read" && (call.budget === "mailbox" || call.budget === "message"))
    if (!applies) return Effect.succeed(undefined)
    const outside = call.targets.filter((t) => !internal(t))
    return Effect.succeed(
      outside.length === 0 ? undefined : `mailbox(es) outside internal domains: ${outside.join(", ")}`,
    )
  })
}

/** Runs the rules in order; the first reason blocks. A failing rule blocks (fail closed). */
export const evaluate = (rules: ReadonlyArray<Rule>, call: PlannedCall): Effect.Effect<string | undefined> =>
  Effect.gen(function* () {
    for (const r of rules) {
      const reason = yield* r
        .check(call)
        .pipe(
          Effect.catchCause(() =>
            Effect.succeed(`scope rule '${r.name}' could not be evaluated (fail closed)`),
          ),
        )
      if (reason !== undefined) return `scope rule '${r.name}': ${reason}`
    }
    return undefined
  })
