/**
 * The Jira Cloud REST API v3 connector definition: schemas and kinds only. The HTTP
 * implementation (ADF bodies, read-before-act reconciliation) is {@link JiraHttp.layer}.
 *
 * Text inputs (summary, description, comment) are plain text: the implementation puts them in
 * ADF text nodes ({@link Adf.fromText}), so attacker-controlled alert text cannot inject Jira
 * markup, links or mentions.
 *
 * @example
 * ```ts
 * import { Jira } from "@riposte/connector-jira"
 *
 * const open = Jira.createIssue({ projectKey: "SEC", issueType: "Task", summary: "Phishing: invoice.zip" })
 * // then: Jira.addComment({ issue: created.key, body: "Contained host wks-42" })
 * ```
 * @since 0.1.0
 */
import { Connector } from "@riposte/core"
import { Schema } from "effect"

export const CreatedIssue = Schema.Struct({
  id: Schema.String,
  key: Schema.String,
  self: Schema.optional(Schema.String),
})

export const Comment = Schema.Struct({
  id: Schema.String,
  self: Schema.optional(Schema.String),
  created: Schema.optional(Schema.String),
})

export const Transitioned = Schema.Struct({
  issue: Schema.String,
  transitionId: Schema.String,
  /** `false` when reconciliation found the issue already in the transition's target status. */
  changed: Schema.Boolean,
  status: Schema.optional(Schema.String),
})

export const Issue = Schema.Struct({
  id: Schema.String,
  key: Schema.String,
  self: Schema.optional(Schema.String),
  fields: Schema.Struct({
    summary: Schema.optional(Schema.String),
    status: Schema.optional(Schema.Struct({ name: Schema.String })),
    labels: Schema.optional(Schema.Array(Schema.String)),
    issuetype: Schema.optional(Schema.Struct({ name: Schema.String })),
    priority: Schema.optional(Schema.NullOr(Schema.Struct({ name: Schema.String }))),
    assignee: Schema.optional(Schema.NullOr(Schema.Struct({ displayName: Schema.optional(Schema.String) }))),
  }),
})

const ProjectKey = Schema.String.check(
  Schema.isPattern(/^[A-Z][A-Z0-9_]{1,9}$/, { message: "a Jira project key such as SEC" }),
)
const IssueRef = Schema.String.check(
  Schema.isPattern(/^(?:[A-Z][A-Z0-9_]{1,9}-\d{1,9}|\d{1,12})$/, { message: "an issue key (SEC-12) or id" }),
)
const Name = Schema.String.check(
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing or stripping control characters is the point
  Schema.isPattern(/^[^\u0000-\u001f\u007f]{1,60}$/, { message: "1–60 characters, no control characters" }),
)
/** Any text up to 255 characters; line breaks become spaces in the implementation. */
const Summary = Schema.String.check(Schema.isBetweenLength(1, 255))
/** Plain text; control characters are removed and the text is capped at 32 767 characters. */
const Body = Schema.String.check(Schema.isBetweenLength(1, 100_000))
/** Jira labels cannot contain spaces. */
const Label = Schema.String.check(
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing or stripping control characters is the point
  Schema.isPattern(/^[^\s\u0000-\u001f\u007f]{1,255}$/, { message: "a label without spaces" }),
)
const TransitionId = Schema.String.check(
  Schema.isPattern(/^\d{1,9}$/, { message: "a numeric transition id" }),
)

export const Jira = Connector.make("jira", {
  version: "3",
  description: "Jira Cloud REST API v3: create issues, comment, transition, read issues.",
  actions: {
    createIssue: Connector.action({
      input: Schema.Struct({
        projectKey: ProjectKey,
        /** Issue type name, e.g. `Task`, `Incident`. */
        issueType: Name,
        summary: Summary,
        description: Schema.optional(Body),
        labels: Schema.optional(Schema.Array(Label).check(Schema.isMaxLength(20))),
        priority: Schema.optional(Name),
      }),
      output: CreatedIssue,
      kind: "write",
      description: "POST /issue (label riposte:<key>; reconciled by a JQL search on it)",
    }),
    addComment: Connector.action({
      input: Schema.Struct({ issue: IssueRef, body: Body }),
      output: Comment,
      kind: "write",
      description: "POST /issue/{issue}/comment (property riposte.idempotencyKey; reconciled)",
    }),
    transitionIssue: Connector.action({
      input: Schema.Struct({ issue: IssueRef, transitionId: TransitionId }),
      output: Transitioned,
      kind: "write",
      description: "POST /issue/{issue}/transitions (skipped when already in the target status)",
    }),
    getIssue: Connector.action({
      input: Schema.Struct({ issue: IssueRef }),
      output: Issue,
      kind: "read",
      description: "GET /issue/{issue}",
    }),
  },
})
