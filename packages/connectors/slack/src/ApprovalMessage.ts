/**
 * The Block Kit payload of an approval request: what will be done, the (escaped, defanged)
 * evidence, and Approve / Deny buttons whose `value` is the caller's opaque approval token.
 * Every string that may come from an alert goes through {@link SlackText.escape}; URLs, the
 * sender, and URLs or addresses inside the summary and subject are also defanged
 * ({@link SlackText.defangUrls}) so Slack does not turn them into clickable links.
 *
 * Interactivity: Slack posts the click to your app's Request URL with `actions[0].action_id`
 * (`riposte_approve` / `riposte_deny`) and `actions[0].value` (the token). Verify Slack's
 * request signature before trusting it, then resolve the approval by token.
 *
 * @example
 * ```ts
 * import { ApprovalMessage } from "@riposte/connector-slack"
 *
 * const { text, blocks } = ApprovalMessage.build({ channel, approvalToken, action: "Block sender", summary })
 * ```
 * @since 0.1.0
 */
import type { ApprovalInput } from "./Slack.ts"
import * as SlackText from "./SlackText.ts"

export const approveActionId = "riposte_approve"
export const denyActionId = "riposte_deny"
export const blockId = "riposte_approval"

type Input = typeof ApprovalInput.Type

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } })
const field = (label: string, value: string) => ({ type: "mrkdwn", text: `*${label}*\n${value}` })

/**
 * Builds the fallback `text` and the `blocks` of an approval request.
 *
 * @example
 * ```ts
 * ApprovalMessage.build({ channel: "C0123456789", approvalToken: token, action: "Isolate wks-42", summary: "EDR alert" })
 * ```
 */
export const build = (input: Input): { readonly text: string; readonly blocks: ReadonlyArray<unknown> } => {
  const fields = [
    ...(input.subject === undefined
      ? []
      : [field("Subject", SlackText.escape(SlackText.defangUrls(input.subject), 1900))]),
    ...(input.sender === undefined
      ? []
      : [field("Sender", SlackText.escape(SlackText.defang(input.sender), 1900))]),
    ...(input.requestedBy === undefined
      ? []
      : [field("Requested by", SlackText.escape(input.requestedBy, 1900))]),
    ...(input.expiresAt === undefined ? [] : [field("Expires", SlackText.escape(input.expiresAt))]),
  ]
  const urls = (input.urls ?? []).map((u) => `• ${SlackText.escape(SlackText.defang(u), 140)}`)
  const action = SlackText.escape(input.action, 2900)
  const blocks: Array<unknown> = [
    { type: "header", text: { type: "plain_text", text: "Approval needed", emoji: false } },
    section(`*Action:* ${action}`),
    ...(fields.length === 0 ? [] : [{ type: "section", fields }]),
    section(
      `*Summary*\n${SlackText.escape(SlackText.defangUrls(input.summary), SlackText.maxSectionChars - 20)}`,
    ),
    // 20 URLs × ≤ 142 characters stay under the 3 000-character section limit.
    ...(urls.length === 0 ? [] : [section(`*URLs*\n${urls.join("\n")}`)]),
    {
      type: "actions",
      block_id: blockId,
      elements: [
        {
          type: "button",
          action_id: approveActionId,
          style: "primary",
          text: { type: "plain_text", text: "Approve", emoji: false },
          value: input.approvalToken,
          confirm: {
            title: { type: "plain_text", text: "Approve this action?" },
            text: { type: "mrkdwn", text: SlackText.escape(input.action, 290) },
            confirm: { type: "plain_text", text: "Approve" },
            deny: { type: "plain_text", text: "Cancel" },
          },
        },
        {
          type: "button",
          action_id: denyActionId,
          style: "danger",
          text: { type: "plain_text", text: "Deny", emoji: false },
          value: input.approvalToken,
        },
      ],
    },
  ]
  return { text: `Approval needed: ${action}`, blocks }
}
