/**
 * Errors raised while starting a durable engine.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Another live process (or another engine in this process) already runs a
 * single-runner engine on this database file. Two would both claim every
 * workflow and run activities twice, so the second one refuses to start.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Durable, DurableError } from "@riposte/runtime"
 *
 * const program = Layer.launch(Durable.sqlite()).pipe(
 *   Effect.catchTag("EngineInUse", (error: DurableError.EngineInUse) =>
 *     Effect.logError(`engine already running as pid ${error.pid}`),
 *   ),
 * )
 * ```
 *
 * @since 0.1.0
 */
export class EngineInUse extends Schema.TaggedError<EngineInUse>()("EngineInUse", {
  /** The lock file next to the database. */
  path: Schema.String,
  /** Process id recorded in the lock file. */
  pid: Schema.Number,
}) {
  override get message(): string {
    return `A durable engine (pid ${this.pid}) already uses this database; lock file ${this.path}`
  }
}

/**
 * A playbook name given to the kill switch is not a playbook identifier (letters, digits, `.`,
 * `_`, `-`, at most 200 characters).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DurableError } from "@riposte/runtime"
 *
 * const handle = Effect.catchTag("InvalidPlaybookName", (e: DurableError.InvalidPlaybookName) =>
 *   Effect.logWarning(`bad name ${e.playbook}`),
 * )
 * ```
 *
 * @since 0.1.0
 */
export class InvalidPlaybookName extends Schema.TaggedError<InvalidPlaybookName>()("InvalidPlaybookName", {
  playbook: Schema.String,
}) {
  override get message(): string {
    return `Not a playbook name: ${JSON.stringify(this.playbook)}`
  }
}
