/**
 * The TheHive 5 (API v1) connector definition: schemas and kinds only. The HTTP implementation
 * (with read-before-act reconciliation through a `riposte:<idempotency key>` tag) is
 * {@link TheHiveHttp.layer}.
 *
 * @example
 * ```ts
 * import { TheHive } from "@riposte/connector-thehive"
 *
 * const open = TheHive.createCase({ title: "Phishing: invoice.zip", description: "Reported by alice" })
 * // then: TheHive.addObservable({ parent: "case", parentId: kase._id, dataType: "ip", data: "203.0.113.7" })
 * ```
 * @since 0.1.0
 */
import { Connector } from "@riposte/core"
import { Schema } from "effect"

const Tags = Schema.optional(Schema.Array(Schema.String))

export const Alert = Schema.Struct({
  _id: Schema.String,
  _type: Schema.String,
  title: Schema.String,
  type: Schema.optional(Schema.String),
  source: Schema.optional(Schema.String),
  sourceRef: Schema.optional(Schema.String),
  status: Schema.optional(Schema.String),
  severity: Schema.optional(Schema.Number),
  tags: Tags,
  _createdAt: Schema.optional(Schema.Number),
})

export const Case = Schema.Struct({
  _id: Schema.String,
  _type: Schema.String,
  number: Schema.optional(Schema.Number),
  title: Schema.String,
  status: Schema.optional(Schema.String),
  severity: Schema.optional(Schema.Number),
  tags: Tags,
  _createdAt: Schema.optional(Schema.Number),
})

export const Observable = Schema.Struct({
  _id: Schema.String,
  _type: Schema.String,
  dataType: Schema.String,
  data: Schema.optional(Schema.String),
  ioc: Schema.optional(Schema.Boolean),
  tags: Tags,
})

/** TheHive answers an observable creation with the list of observables created. */
export const Observables = Schema.Array(Observable)

const Title = Schema.String.check(Schema.isBetweenLength(1, 512))
const Description = Schema.String.check(Schema.isMaxLength(65_536))
const Level = (max: number) =>
  Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: max }))
const Severity = Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 4 }))
const Tag = Schema.String.check(
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing or stripping control characters is the point
  Schema.isPattern(/^[^\u0000-\u001f\u007f]{1,128}$/, { message: "1–128 characters, no control characters" }),
)
const TagList = Schema.optional(Schema.Array(Tag).check(Schema.isMaxLength(50)))
const Word = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][\w.:-]{0,63}$/, { message: "letters, digits, . : _ -, at most 64" }),
)
const SourceRef = Schema.String.check(
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing or stripping control characters is the point
  Schema.isPattern(/^[^\u0000-\u001f\u007f]{1,256}$/, { message: "1–256 characters, no control characters" }),
)
/** TheHive object ids: `~123456` (v5) or legacy ids. */
const ObjectId = Schema.String.check(
  Schema.isPattern(/^~?[A-Za-z0-9_-]{1,64}$/, { message: "a TheHive id such as ~4096" }),
)
/** Attachments (`file`) need a multipart upload and are not supported by this action. */
const DataType = Schema.String.check(
  Schema.isPattern(/^(?!file$)[a-z][a-z0-9_-]{0,63}$/, {
    message: "a TheHive data type such as ip (not file)",
  }),
)
const Data = Schema.String.check(
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing or stripping control characters is the point
  Schema.isPattern(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]{1,8192}$/, {
    message: "1–8192 characters, no control characters",
  }),
)

const common = {
  title: Title,
  description: Description,
  severity: Schema.optional(Severity),
  /** 0 WHITE/CLEAR … 4 RED. */
  tlp: Schema.optional(Level(4)),
  pap: Schema.optional(Level(3)),
  tags: TagList,
}

export const TheHive = Connector.make("thehive", {
  version: "5",
  description: "TheHive 5 API v1: create alerts and cases, add observables.",
  actions: {
    createAlert: Connector.action({
      input: Schema.Struct({ ...common, type: Word, source: Word, sourceRef: SourceRef }),
      output: Alert,
      kind: "write",
      description: "POST /api/v1/alert (tag riposte:<key>; reconciled by that tag)",
    }),
    createCase: Connector.action({
      input: Schema.Struct(common),
      output: Case,
      kind: "write",
      description: "POST /api/v1/case (tag riposte:<key>; reconciled by that tag)",
    }),
    addObservable: Connector.action({
      input: Schema.Struct({
        parent: Schema.Literals(["alert", "case"]),
        parentId: ObjectId,
        dataType: DataType,
        data: Data,
        message: Schema.optional(Description),
        ioc: Schema.optional(Schema.Boolean),
        tlp: Schema.optional(Level(4)),
        tags: TagList,
      }),
      output: Observables,
      kind: "write",
      description: "POST /api/v1/{alert,case}/{id}/observable (tag riposte:<key>; reconciled by that tag)",
      targets: ({ data }) => [data],
    }),
  },
})
