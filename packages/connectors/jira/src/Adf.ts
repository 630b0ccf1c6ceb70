/**
 * Atlassian Document Format (ADF) built from untrusted text. Jira Cloud v3 renders rich text
 * from ADF JSON, not from wiki markup, so text placed in ADF `text` nodes is shown literally:
 * `*bold*`, `[link|http://evil]`, `{code}`, `!image.png!`, `@mention` or `<script>` in an alert
 * stay characters. This module only ever emits `doc`, `paragraph`, `text` (without marks) and
 * `hardBreak` nodes, so attacker text cannot create links, mentions, macros or formatting.
 *
 * @example
 * ```ts
 * import { Adf } from "@riposte/connector-jira"
 *
 * Adf.fromText("Subject: [click|https://evil.example]\nFrom: eve")
 * // { type: "doc", version: 1, content: [{ type: "paragraph", content: [
 * //   { type: "text", text: "Subject: [click|https://evil.example]" }, { type: "hardBreak" },
 * //   { type: "text", text: "From: eve" } ] }] }
 * ```
 * @since 0.1.0
 */

export interface Text {
  readonly type: "text"
  readonly text: string
}
export interface HardBreak {
  readonly type: "hardBreak"
}
export interface Paragraph {
  readonly type: "paragraph"
  readonly content: ReadonlyArray<Text | HardBreak>
}
export interface Document {
  readonly type: "doc"
  readonly version: 1
  readonly content: ReadonlyArray<Paragraph>
}

/** Jira rejects rich-text fields over 32 767 characters. */
export const maxChars = 32_767

// C0/C1 controls (except tab and newlines), and bidi overrides that can disguise text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing or stripping control characters is the point
const unsafe = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/**
 * Removes control characters and bidi overrides, normalises line breaks to `\n`, and truncates
 * to `max` characters (marking the cut with `…`).
 *
 * @example
 * ```ts
 * Adf.clean("a\r\nb\u0000c") // "a\nbc"
 * ```
 */
export const clean = (text: string, max = maxChars): string => {
  const cleaned = text.replace(/\r\n?/g, "\n").replace(unsafe, "")
  return cleaned.length <= max ? cleaned : `${cleaned.slice(0, max - 1)}…`
}

/**
 * A document from plain text: one paragraph per blank-line-separated block, `hardBreak` for
 * single line breaks, every character kept as literal text.
 *
 * @example
 * ```ts
 * Adf.fromText("line 1\nline 2\n\nnext paragraph")
 * ```
 */
export const fromText = (text: string): Document => {
  const paragraphs = clean(text)
    .split(/\n{2,}/)
    .map((block): Paragraph => {
      const content: Array<Text | HardBreak> = []
      block.split("\n").forEach((line, i) => {
        if (i > 0) content.push({ type: "hardBreak" })
        // ADF forbids empty text nodes.
        if (line !== "") content.push({ type: "text", text: line })
      })
      return { type: "paragraph", content }
    })
  return { type: "doc", version: 1, content: paragraphs }
}

/**
 * Plain text for single-line fields (`summary`): controls removed, line breaks → spaces,
 * trimmed, at most `max` characters (Jira's summary limit is 255).
 *
 * @example
 * ```ts
 * Adf.singleLine("Phish\nfrom eve") // "Phish from eve"
 * ```
 */
export const singleLine = (text: string, max = 255): string =>
  clean(text.replace(/[\r\n\t]+/g, " "), max).trim()
