/**
 * The MISP REST API connector definition: schemas and kinds only. The HTTP implementation (with
 * read-before-act reconciliation for the write actions) is {@link MispHttp.layer}.
 *
 * @example
 * ```ts
 * import { Misp } from "@riposte/connector-misp"
 *
 * const lookup = Misp.searchAttributes({ value: "203.0.113.7" })
 * const share = Misp.addAttribute({ eventId: "12", type: "ip-dst", value: "203.0.113.7" })
 * ```
 * @since 0.1.0
 */
import { Connector, type Connector as ConnectorTypes } from "@riposte/core"
import { Schema } from "effect"

const Text = Schema.optional(Schema.NullOr(Schema.String))

export const Attribute = Schema.Struct({
  id: Schema.String,
  event_id: Schema.String,
  uuid: Schema.optional(Schema.String),
  type: Schema.String,
  category: Schema.optional(Schema.String),
  value: Schema.String,
  to_ids: Schema.optional(Schema.Boolean),
  comment: Text,
  timestamp: Schema.optional(Schema.String),
  Tag: Schema.optional(Schema.Array(Schema.Struct({ name: Schema.String }))),
})

export const SearchResult = Schema.Struct({
  response: Schema.Struct({ Attribute: Schema.Array(Attribute) }),
})

export const AddedAttribute = Schema.Struct({ Attribute })

export const Sighting = Schema.Struct({
  id: Schema.optional(Schema.String),
  attribute_id: Schema.optional(Schema.String),
  event_id: Schema.optional(Schema.String),
  value: Schema.optional(Schema.String),
  /** `"0"` seen, `"1"` false positive, `"2"` expiration. */
  type: Schema.optional(Schema.String),
  source: Text,
  timestamp: Schema.optional(Schema.String),
})

export const AddedSighting = Schema.Struct({
  Sighting: Schema.optional(Sighting),
  message: Schema.optional(Schema.String),
})

/** Bounded indicator text: 1–2048 chars, no control characters. */
const Value = Schema.String.check(
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing or stripping control characters is the point
  Schema.isPattern(/^[^\u0000-\u001f\u007f]{1,2048}$/, {
    message: "1–2048 characters without control characters",
  }),
)
/** MISP attribute types are lower-case words joined by `-` or `|` (`ip-dst`, `domain|ip`). */
const AttributeType = Schema.String.check(
  Schema.isPattern(/^[a-z0-9][a-z0-9|-]{0,63}$/, { message: "a MISP attribute type such as ip-dst" }),
)
const EventId = Schema.String.check(
  Schema.isPattern(/^(?:\d{1,12}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, {
    message: "a numeric event id or an event UUID",
  }),
)
const Category = Schema.String.check(
  Schema.isPattern(/^[A-Za-z][A-Za-z -]{0,63}$/, { message: "a MISP category such as Network activity" }),
)
const Comment = Schema.String.check(Schema.isMaxLength(4096))

export const SightingType = Schema.Literals(["seen", "false-positive", "expiration"])

/**
 * Reads a search: an attribute flagged `to_ids` → malicious (someone vouched for it as an
 * indicator); only context attributes → suspicious; nothing → unknown.
 *
 * @example
 * ```ts
 * MispSchemas.assess(result) // { verdict: "malicious", summary: "MISP: 1 attribute in 1 event (1 for IDS)" }
 * ```
 */
export const assess = (result: typeof SearchResult.Type): ConnectorTypes.Assessment => {
  const attributes = result.response.Attribute
  if (attributes.length === 0) return { verdict: "unknown", summary: "MISP: no attributes" }
  const events = new Set(attributes.map((a) => a.event_id)).size
  const ids = attributes.filter((a) => a.to_ids === true).length
  const summary = `MISP: ${attributes.length} attribute${attributes.length === 1 ? "" : "s"} in ${events} event${events === 1 ? "" : "s"} (${ids} for IDS)`
  return { verdict: ids > 0 ? "malicious" : "suspicious", summary }
}

export const Misp = Connector.make("misp", {
  version: "2.4",
  description: "MISP REST API: search attributes, add sightings and attributes.",
  actions: {
    searchAttributes: Connector.action({
      input: Schema.Struct({
        value: Value,
        type: Schema.optional(AttributeType),
        /** Default 100. */
        limit: Schema.optional(
          Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1000 })),
        ),
      }),
      output: SearchResult,
      kind: "read",
      description: "POST /attributes/restSearch",
      targets: ({ value }) => [value],
      assess,
    }),
    addSighting: Connector.action({
      input: Schema.Struct({ value: Value, type: Schema.optional(SightingType) }),
      output: AddedSighting,
      kind: "write",
      description: "POST /sightings/add (source riposte:<idempotency key>; reconciled by source)",
      budget: "indicator",
      targets: ({ value }) => [value],
    }),
    addAttribute: Connector.action({
      input: Schema.Struct({
        eventId: EventId,
        type: AttributeType,
        value: Value,
        category: Schema.optional(Category),
        toIds: Schema.optional(Schema.Boolean),
        comment: Schema.optional(Comment),
      }),
      output: AddedAttribute,
      kind: "write",
      description: "POST /attributes/add/{eventId} (reconciled: value + type + event searched first)",
      budget: "indicator",
      targets: ({ value }) => [value],
    }),
  },
})
