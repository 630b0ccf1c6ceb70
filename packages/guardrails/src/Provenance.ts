/**
 * Provenance: every playbook version is registered with its source (`human`, `agent`,
 * `import`…). A version from an untrusted source cannot start runs until a named human
 * activates it; the activation is recorded (who, when) and returned as an audit record.
 * Enforced through core's `Engine.Admission` hook, so `Engine.start` fails with
 * `PlaybookInactive{reason:"NotActivated"}`. Unregistered playbooks are refused by default.
 *
 * @example
 * ```ts
 * const provenance = Provenance.layerSql({
 *   playbooks: [Provenance.register(triage, "agent"), Provenance.register(phishing, "human")],
 * })
 * const engine = Engine.layer({ playbooks }).pipe(Layer.provide(provenance))
 * // later, after review:
 * yield* (yield* Provenance.Provenance).activate("triage", "1.0.0", "alice")
 * ```
 * @since 0.1.0
 */
import { Engine, type Playbook, PlaybookInactive } from "@riposte/core"
import { Clock, Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"

/** Where a playbook came from. */
export type Source = "human" | "agent" | "import" | (string & {})

export interface Registration {
  readonly name: string
  readonly version: string
  readonly source: Source
}

/** The audit record of an activation. */
export interface ActivationRecord {
  readonly playbook: string
  readonly version: string
  readonly source: Source
  readonly activatedBy: string
  readonly activatedAt: number
}

export class ProvenanceError extends Schema.TaggedError<ProvenanceError>()("ProvenanceError", {
  reason: Schema.Literals(["NotRegistered", "InvalidActor", "Storage"]),
  detail: Schema.String,
}) {}

export interface ProvenanceShape {
  /** Activates an untrusted playbook version; the first activation is kept (idempotent). */
  readonly activate: (
    name: string,
    version: string,
    by: string,
  ) => Effect.Effect<ActivationRecord, ProvenanceError>
  /** The activation of a version, if any. */
  readonly activation: (
    name: string,
    version: string,
  ) => Effect.Effect<ActivationRecord | undefined, ProvenanceError>
  /** Whether a version may start runs now. */
  readonly isActive: (name: string, version: string) => Effect.Effect<boolean, ProvenanceError>
}

export class Provenance extends Context.Service<Provenance, ProvenanceShape>()(
  "@riposte/guardrails/Provenance",
) {}

export interface Options {
  readonly playbooks: ReadonlyArray<Registration>
  /** Sources whose playbooks run without activation. Default `["human"]`. */
  readonly trustedSources?: ReadonlyArray<Source>
  /** What to do with a playbook that is not registered. Default `"deny"`. */
  readonly unregistered?: "admit" | "deny"
}

/**
 * A registration from a playbook value.
 *
 * @example
 * ```ts
 * Provenance.register(triage, "agent")
 * ```
 */
export const register = (playbook: Playbook.Any, source: Source): Registration => ({
  name: playbook.definition.meta.name,
  version: playbook.definition.meta.version,
  source,
})

interface ActivationStorage {
  /** Inserts unless present; returns the stored record. */
  readonly insert: (record: ActivationRecord) => Effect.Effect<ActivationRecord, ProvenanceError>
  readonly get: (
    name: string,
    version: string,
  ) => Effect.Effect<ActivationRecord | undefined, ProvenanceError>
}

const keyOf = (name: string, version: string) => JSON.stringify([name, version])
/** A display name: printable, no control characters, at most 200 characters. */
const ACTOR = /^[^\p{Cc}]{1,200}$/u

const build = (options: Options, storage: ActivationStorage) => {
  const registry = new Map(options.playbooks.map((r) => [keyOf(r.name, r.version), r]))
  const trusted = new Set<string>(options.trustedSources ?? ["human"])
  const isActive: ProvenanceShape["isActive"] = (name, version) => {
    const reg = registry.get(keyOf(name, version))
    if (reg === undefined) return Effect.succeed(options.unregistered === "admit")
    if (trusted.has(reg.source)) return Effect.succeed(true)
    return Effect.map(storage.get(name, version), (a) => a !== undefined)
  }
  const service = Provenance.of({
    activate: Effect.fn("Provenance.activate")(function* (name, version, by) {
      const reg = registry.get(keyOf(name, version))
      if (reg === undefined)
        return yield* new ProvenanceError({ reason: "NotRegistered", detail: `${name}@${version}` })
      const who = typeof by === "string" ? by.trim() : ""
      if (!ACTOR.test(who))
        return yield* new ProvenanceError({
          reason: "InvalidActor",
          detail: "activation needs a named person",
        })
      const at = yield* Clock.currentTimeMillis
      return yield* storage.insert({
        playbook: name,
        version,
        source: reg.source,
        activatedBy: who,
        activatedAt: at,
      })
    }),
    activation: storage.get,
    isActive,
  })
  const admission: Engine.AdmissionShape = {
    admit: ({ name, version }) =>
      isActive(name, version).pipe(
        Effect.catch((e) => Effect.succeed(`activation store unavailable: ${e.detail}`)),
        Effect.flatMap((ok) =>
          ok === true
            ? Effect.void
            : Effect.fail(
                new PlaybookInactive({
                  playbook: name,
                  version,
                  reason: "NotActivated",
                  detail:
                    typeof ok === "string"
                      ? ok
                      : registry.has(keyOf(name, version))
                        ? `source '${registry.get(keyOf(name, version))?.source}' needs activation by a named human`
                        : "not registered with provenance",
                }),
              ),
        ),
      ),
  }
  return Context.make(Provenance, service).pipe(Context.add(Engine.Admission, admission))
}

/**
 * Provenance with activations in memory (tests, one process).
 *
 * @example
 * ```ts
 * Provenance.layerMemory({ playbooks: [Provenance.register(triage, "agent")] })
 * ```
 */
export const layerMemory = (options: Options): Layer.Layer<Provenance> =>
  Layer.effectContext(
    Effect.sync(() => {
      const rows = new Map<string, ActivationRecord>()
      return build(options, {
        insert: (record) =>
          Effect.sync(() => {
            const key = keyOf(record.playbook, record.version)
            const existing = rows.get(key)
            if (existing !== undefined) return existing
            rows.set(key, record)
            return record
          }),
        get: (name, version) => Effect.sync(() => rows.get(keyOf(name, version))),
      })
    }),
  )

const storageError = (e: unknown) => new ProvenanceError({ reason: "Storage", detail: String(e) })

interface Row {
  readonly playbook: string
  readonly version: string
  readonly source: string
  readonly activated_by: string
  readonly activated_at: number | string
}

const fromRow = (r: Row): ActivationRecord => ({
  playbook: r.playbook,
  version: r.version,
  source: r.source,
  activatedBy: r.activated_by,
  activatedAt: Number(r.activated_at),
})

/**
 * Provenance with activations in `riposte_playbook_activations` on the current `SqlClient`;
 * run {@link Migrations.migrate} first.
 *
 * @example
 * ```ts
 * Provenance.layerSql({ playbooks }).pipe(Layer.provide(sqlLayer))
 * ```
 */
export const layerSql = (options: Options): Layer.Layer<Provenance, never, SqlClient.SqlClient> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const get = (name: string, version: string) =>
        sql<Row>`select * from riposte_playbook_activations where playbook = ${name} and version = ${version}`.pipe(
          Effect.map((rows) => (rows[0] === undefined ? undefined : fromRow(rows[0]))),
          Effect.mapError(storageError),
        )
      return build(options, {
        insert: (r) =>
          sql`insert into riposte_playbook_activations (playbook, version, source, activated_by, activated_at)
              values (${r.playbook}, ${r.version}, ${r.source}, ${r.activatedBy}, ${r.activatedAt})
              on conflict (playbook, version) do nothing`.pipe(
            Effect.mapError(storageError),
            Effect.andThen(get(r.playbook, r.version)),
            Effect.flatMap((stored) =>
              stored === undefined
                ? Effect.fail(storageError("activation not found after insert"))
                : Effect.succeed(stored),
            ),
          ),
        get,
      })
    }),
  )
