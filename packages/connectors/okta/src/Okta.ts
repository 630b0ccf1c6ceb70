/**
 * The Okta connector definition (Management API v1, Users): read a user, suspend and unsuspend
 * them, clear their sessions. The HTTP implementation is {@link OktaHttp.layer}.
 *
 * @example
 * ```ts
 * import { Okta } from "@riposte/connector-okta"
 *
 * const call = Okta.suspendUser({ userId: "00usfdd3eO3sfObs54x6" }) // a value, runs nothing
 * ```
 * @since 0.1.0
 */
import { Connector } from "@riposte/core"
import { Schema } from "effect"

/** An Okta user id (`00u…`) or login (an email-like name); both address `/api/v1/users/{id}`. */
export const UserId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._%+@-]{0,254}$/, { message: "an Okta user id or login" }),
)

export const UserStatus = Schema.Literals([
  "STAGED",
  "PROVISIONED",
  "ACTIVE",
  "RECOVERY",
  "PASSWORD_EXPIRED",
  "LOCKED_OUT",
  "SUSPENDED",
  "DEPROVISIONED",
])

/** The fields playbooks use of Okta's user object (every other field is ignored on decode). */
export const User = Schema.Struct({
  id: Schema.String,
  status: UserStatus,
  created: Schema.optional(Schema.NullOr(Schema.String)),
  activated: Schema.optional(Schema.NullOr(Schema.String)),
  statusChanged: Schema.optional(Schema.NullOr(Schema.String)),
  lastLogin: Schema.optional(Schema.NullOr(Schema.String)),
  lastUpdated: Schema.optional(Schema.NullOr(Schema.String)),
  profile: Schema.Struct({
    login: Schema.String,
    email: Schema.optional(Schema.NullOr(Schema.String)),
    firstName: Schema.optional(Schema.NullOr(Schema.String)),
    lastName: Schema.optional(Schema.NullOr(Schema.String)),
  }),
})
export type User = typeof User.Type

export const Suspended = Schema.Struct({
  userId: Schema.String,
  /** The user was already SUSPENDED (by someone else, or by a first attempt whose reply was lost). */
  alreadySuspended: Schema.Boolean,
})

export const Unsuspended = Schema.Struct({
  userId: Schema.String,
  /** Nothing was done: the user was already ACTIVE, or `leaveSuspended` was set. */
  unchanged: Schema.Boolean,
})

export const Okta = Connector.make("okta", {
  version: "v1",
  description: "Okta Management API v1 (Users): read, suspend, unsuspend, clear sessions.",
  actions: {
    getUser: Connector.action({
      input: Schema.Struct({ userId: UserId }),
      output: User,
      kind: "read",
      description: "GET /api/v1/users/{id}",
    }),
    /**
     * Suspends an ACTIVE user (they cannot sign in; their data stays). Undo: `unsuspendUser`,
     * which leaves the user suspended when they were already suspended before this call.
     */
    suspendUser: Connector.action({
      input: Schema.Struct({ userId: UserId }),
      output: Suspended,
      kind: "destructive",
      description: "POST /api/v1/users/{id}/lifecycle/suspend",
      budget: "account",
      targets: (i) => [i.userId],
      undo: "unsuspendUser",
      undoInput: (input, output) =>
        output.alreadySuspended ? { userId: input.userId, leaveSuspended: true } : { userId: input.userId },
    }),
    unsuspendUser: Connector.action({
      input: Schema.Struct({
        userId: UserId,
        /** Set by `suspendUser`'s undo when the suspension was not ours: do nothing. */
        leaveSuspended: Schema.optional(Schema.Boolean),
      }),
      output: Unsuspended,
      kind: "write",
      description: "POST /api/v1/users/{id}/lifecycle/unsuspend",
      targets: (i) => [i.userId],
    }),
    /** Ends every session and revokes the user's tokens; cannot be undone. */
    clearSessions: Connector.action({
      input: Schema.Struct({ userId: UserId }),
      output: Schema.Struct({ userId: Schema.String, cleared: Schema.Boolean }),
      kind: "destructive",
      description: "DELETE /api/v1/users/{id}/sessions",
      budget: "account",
      targets: (i) => [i.userId],
    }),
  },
})
