/**
 * The definition of a connector: schemas and kinds only. Replace "example-intel" and its two
 * actions with your vendor's. Rules for authors: docs/CONNECTORS.md.
 *
 * @example
 * ```ts
 * import { ExampleIntel } from "@riposte/connector-template"
 *
 * const call = ExampleIntel.lookup({ indicator: "evil.example" }) // a value; a playbook runs it
 * ```
 * @since 0.1.0
 */
import { Connector } from "@riposte/core"
import { Schema } from "effect"

/** Keep only the fields playbooks use; extra vendor fields are ignored when decoding. */
export const Lookup = Schema.Struct({
  indicator: Schema.String,
  score: Schema.Number,
  tags: Schema.optional(Schema.Array(Schema.String)),
})

export const Report = Schema.Struct({ id: Schema.String, created: Schema.Boolean })

export const ExampleIntel = Connector.make("example-intel", {
  version: "v1",
  description: "A fictitious threat-intel API: look an indicator up; report a sighting.",
  actions: {
    lookup: Connector.action({
      // Validate input strictly: it comes from alerts (attacker-controlled).
      input: Schema.Struct({
        indicator: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(2048)),
      }),
      output: Lookup,
      kind: "read",
      targets: (i) => [i.indicator],
      assess: (o) => ({
        verdict: o.score >= 80 ? "malicious" : o.score >= 40 ? "suspicious" : "benign",
        score: o.score,
      }),
    }),
    report: Connector.action({
      input: Schema.Struct({
        indicator: Schema.String.check(Schema.isMinLength(1)),
        comment: Schema.optional(Schema.String),
      }),
      output: Report,
      kind: "write",
      targets: (i) => [i.indicator],
    }),
  },
})
