/**
 * Scripted approvals: what the test runner answers when a gate of the run is pending. Scripts
 * are plain data (they are stored in replay fixtures), keyed by gate name.
 *
 * @example
 * ```ts
 * const approvals = {
 *   "purge-ok": Approval.approve("alice", { roles: ["soc-lead"] }),
 *   "reset-ok": Approval.deny("bob", "not on a Friday"),
 *   "isolate-ok": Approval.timeout(),
 * }
 * ```
 * @since 0.1.0
 */

/** Approve: each actor decides in turn (several actors reach a quorum). */
export interface Approve {
  readonly _tag: "Approve"
  readonly actors: ReadonlyArray<string>
  /** Roles the actors hold; default: the roles the request asks for. */
  readonly roles?: ReadonlyArray<string> | undefined
  readonly comment?: string | undefined
}

/** Deny, with a reason recorded as the decision's comment. */
export interface Deny {
  readonly _tag: "Deny"
  readonly actor: string
  readonly reason?: string | undefined
  readonly roles?: ReadonlyArray<string> | undefined
}

/** Nobody answers: the runner advances the test clock past the gate's timeout. */
export interface Timeout {
  readonly _tag: "Timeout"
}

export type Script = Approve | Deny | Timeout

/**
 * Scripts per gate. A key is the gate's name (`"purge-ok"`), its full path in the run
 * (`"verdict.malicious/purge-ok"`, `"purge/guardrail"` for a guardrail gate) or `"*"` for any
 * gate without a more specific script. A gate without a script leaves the run waiting.
 */
export type Approvals = Readonly<Record<string, Script>>

/**
 * Approves the gate as `actor` (or several actors, one after the other, for a quorum).
 *
 * @example
 * ```ts
 * Approval.approve("alice", { roles: ["soc-lead"], comment: "confirmed" })
 * Approval.approve(["alice", "bob"]) // quorum of two
 * ```
 */
export const approve = (
  actor: string | ReadonlyArray<string>,
  options: { readonly roles?: ReadonlyArray<string>; readonly comment?: string } = {},
): Approve => ({
  _tag: "Approve",
  actors: typeof actor === "string" ? [actor] : [...actor],
  ...(options.roles === undefined ? {} : { roles: [...options.roles] }),
  ...(options.comment === undefined ? {} : { comment: options.comment }),
})

/**
 * Denies the gate as `actor`.
 *
 * @example
 * ```ts
 * Approval.deny("bob", "false positive")
 * ```
 */
export const deny = (
  actor: string,
  reason?: string,
  options: { readonly roles?: ReadonlyArray<string> } = {},
): Deny => ({
  _tag: "Deny",
  actor,
  ...(reason === undefined ? {} : { reason }),
  ...(options.roles === undefined ? {} : { roles: [...options.roles] }),
})

/**
 * Lets the gate time out (the runner moves the test clock past its expiry).
 *
 * @example
 * ```ts
 * Approval.timeout()
 * ```
 */
export const timeout = (): Timeout => ({ _tag: "Timeout" })

/**
 * The script for a gate path: the longest matching path suffix, then `"*"`.
 *
 * @example
 * ```ts
 * Approval.lookup({ "purge-ok": Approval.timeout() }, "verdict.malicious/purge-ok") // { _tag: "Timeout" }
 * ```
 */
export const lookup = (approvals: Approvals, gatePath: string): Script | undefined => {
  const parts = gatePath.split("/")
  for (let i = 0; i < parts.length; i++) {
    const key = parts.slice(i).join("/")
    if (Object.hasOwn(approvals, key)) return approvals[key]
  }
  return Object.hasOwn(approvals, "*") ? approvals["*"] : undefined
}
