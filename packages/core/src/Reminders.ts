/**
 * The reminder hook: called (once, inside a journaled activity) each time an approval gate with
 * `remindEvery` has waited another interval. Channels re-post the request (Slack, e-mail…);
 * the default only writes the case timeline.
 *
 * @example
 * ```ts
 * Layer.succeed(Reminders, { remind: (request) => postToSlack(request.id, request.summary) })
 * ```
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import type { ApprovalRecord } from "./CaseModel.ts"

export interface RemindersShape {
  readonly remind: (request: ApprovalRecord) => Effect.Effect<void>
}

export const Reminders: Context.Reference<RemindersShape> = Context.Reference<RemindersShape>(
  "@riposte/core/Reminders",
  {
    defaultValue: () => ({ remind: () => Effect.void }),
  },
)
