/**
 * The kill switch: pauses a playbook (every version) in SQL, so the pause holds across restarts
 * and across every process sharing the database.
 *
 * Semantics while a playbook is paused:
 * - new triggers are REJECTED, not queued: `engine.start`/`engine.run` fail with
 *   `PlaybookInactive { reason: "Paused" }` (the caller, e.g. an alert intake, decides whether to
 *   retry later);
 * - runs already in flight CONTINUE (parked runs still resume on approvals and timeouts): pausing
 *   stops new work, it does not abort running responses half-way;
 * - `resume(name)` admits new triggers again at once.
 *
 * @since 0.1.0
 */
import { Engine, PlaybookInactive } from "@riposte/core"
import { Clock, Context, Effect, Layer } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { InvalidPlaybookName } from "./DurableError.ts"

/** One paused playbook. */
export interface Paused {
  readonly playbook: string
  readonly pausedAt: number
  readonly pausedBy: string
  readonly reason: string
}

export interface KillSwitchShape {
  /** Pauses every version of `playbook`. Pausing a paused playbook updates who/why. */
  readonly pause: (
    playbook: string,
    options?: { readonly actor?: string; readonly reason?: string },
  ) => Effect.Effect<void, SqlError.SqlError | InvalidPlaybookName>
  /** Admits new runs of `playbook` again. A no-op when it is not paused. */
  readonly resume: (playbook: string) => Effect.Effect<void, SqlError.SqlError | InvalidPlaybookName>
  readonly isPaused: (playbook: string) => Effect.Effect<boolean, SqlError.SqlError | InvalidPlaybookName>
  readonly list: () => Effect.Effect<ReadonlyArray<Paused>, SqlError.SqlError>
}

/**
 * The kill switch service; provided by every `Runtime` layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KillSwitch } from "@riposte/runtime"
 *
 * const stop = Effect.gen(function* () {
 *   const killSwitch = yield* KillSwitch.KillSwitch
 *   yield* killSwitch.pause("phishing", { actor: "alice", reason: "false positives" })
 * })
 * ```
 */
export class KillSwitch extends Context.Service<KillSwitch, KillSwitchShape>()(
  "@riposte/runtime/KillSwitch",
) {}

const TABLE = "riposte_paused_playbooks"
const MAX_TEXT = 1_000

const checkName = (playbook: string): Effect.Effect<string, InvalidPlaybookName> =>
  typeof playbook === "string" && playbook.length <= 200 && /^[a-z0-9][a-z0-9._-]*$/i.test(playbook)
    ? Effect.succeed(playbook)
    : Effect.fail(new InvalidPlaybookName({ playbook: String(playbook).slice(0, 200) }))

/** Strips control characters and bounds free text before it is stored. */
const clean = (text: string | undefined): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  (text ?? "").replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").slice(0, MAX_TEXT)

/**
 * Creates the paused-playbooks table when missing (idempotent; safe when several processes start
 * at once: a lost creation race is retried).
 */
export const migrate: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (playbook TEXT PRIMARY KEY, paused_at BIGINT NOT NULL, paused_by TEXT NOT NULL, reason TEXT NOT NULL)`,
  )
}).pipe(Effect.retry({ times: 3 }))

/** The kill switch over the `SqlClient` in context (the table must exist: see {@link migrate}). */
export const make: Effect.Effect<KillSwitchShape, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const isPaused = (playbook: string) =>
    Effect.flatMap(checkName(playbook), (name) =>
      Effect.map(sql`SELECT 1 AS one FROM ${sql(TABLE)} WHERE playbook = ${name}`, (rows) => rows.length > 0),
    )
  return {
    pause: (playbook, options) =>
      Effect.gen(function* () {
        const name = yield* checkName(playbook)
        const now = yield* Clock.currentTimeMillis
        const by = clean(options?.actor) || "unknown"
        const reason = clean(options?.reason)
        yield* sql`INSERT INTO ${sql(TABLE)} (playbook, paused_at, paused_by, reason)
          VALUES (${name}, ${now}, ${by}, ${reason})
          ON CONFLICT (playbook) DO UPDATE SET paused_at = ${now}, paused_by = ${by}, reason = ${reason}`
      }),
    resume: (playbook) =>
      Effect.flatMap(checkName(playbook), (name) =>
        Effect.asVoid(sql`DELETE FROM ${sql(TABLE)} WHERE playbook = ${name}`),
      ),
    isPaused,
    list: () =>
      Effect.map(
        sql<{
          playbook: string
          paused_at: number | string | bigint
          paused_by: string
          reason: string
        }>`SELECT playbook, paused_at, paused_by, reason FROM ${sql(TABLE)} ORDER BY playbook`,
        (rows) =>
          rows.map((r) => ({
            playbook: r.playbook,
            pausedAt: Number(r.paused_at),
            pausedBy: r.paused_by,
            reason: r.reason,
          })),
      ),
  }
})

/**
 * An `Engine.Admission` that rejects new runs of paused playbooks with
 * `PlaybookInactive { reason: "Paused" }`, then defers to `inner` (e.g. a provenance check). A
 * database failure while checking is a defect: the trigger fails rather than starting a run the
 * operator may have paused.
 *
 * @example
 * ```ts
 * import { Engine } from "@riposte/core"
 * import { Layer } from "effect"
 * import { KillSwitch } from "@riposte/runtime"
 *
 * const admission = (ks: KillSwitch.KillSwitchShape) =>
 *   Layer.succeed(Engine.Admission, KillSwitch.admission(ks))
 * ```
 */
export const admission = (
  killSwitch: KillSwitchShape,
  inner?: Engine.AdmissionShape,
): Engine.AdmissionShape => ({
  admit: (playbook) =>
    killSwitch.isPaused(playbook.name).pipe(
      Effect.orDie,
      Effect.flatMap((paused) =>
        paused
          ? Effect.fail(
              new PlaybookInactive({
                playbook: playbook.name,
                version: playbook.version,
                reason: "Paused",
                detail: "paused by the kill switch",
              }),
            )
          : inner === undefined
            ? Effect.void
            : inner.admit(playbook),
      ),
    ),
})

/**
 * Provides {@link KillSwitch} and an `Engine.Admission` that consults it (wrapping the Admission
 * already in context, so a provenance check still applies). Migrates its table first.
 */
export const layer: Layer.Layer<KillSwitch, SqlError.SqlError, SqlClient.SqlClient> = Layer.effectContext(
  Effect.gen(function* () {
    yield* migrate
    const killSwitch = yield* make
    const inner = yield* Engine.Admission
    return Context.make(KillSwitch, killSwitch).pipe(
      Context.add(Engine.Admission, admission(killSwitch, inner)),
    )
  }),
)
