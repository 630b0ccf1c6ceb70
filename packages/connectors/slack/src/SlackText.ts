/**
 * Escaping of untrusted text (alert subjects, senders, URLs, summaries) for Slack `mrkdwn`.
 *
 * Slack parses `<…>` as control sequences (`<!channel>`, `<!here>`, `<@U123>`, `<#C123>`,
 * `<https://evil|click here>`), so `&`, `<` and `>` become `&amp;`, `&lt;`, `&gt;` (the only
 * entities Slack decodes). mrkdwn has no backslash escape for `*bold*`, `_italic_`, `~strike~`
 * and `` `code` ``, so those characters are replaced by look-alikes (`∗ ˍ ∼ ˋ`) that render
 * but never format. Plain `@channel` / `@here` / `@everyone` get a zero-width space after the
 * `@`, control characters and bidi overrides are removed, and the result is capped.
 *
 * @example
 * ```ts
 * import { SlackText } from "@riposte/connector-slack"
 *
 * SlackText.escape("<!channel> *urgent* <https://evil.example|Reset password>")
 * // "&lt;!channel&gt; ∗urgent∗ &lt;https://evil.example|Reset password&gt;"
 * ```
 * @since 0.1.0
 */

/** Slack's limit for a section block's text. */
export const maxSectionChars = 3000

const lookalikes: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "*": "\u2217",
  _: "\u02cd",
  "~": "\u223c",
  "`": "\u02cb",
}

// C0/C1 controls except tab and line feed, and bidi overrides/isolates that disguise text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing or stripping control characters is the point
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/**
 * Escapes `text` so Slack shows it literally inside `mrkdwn`.
 *
 * @example
 * ```ts
 * SlackText.escape("a_b & <@U123>") // "aˍb &amp; &lt;@U123&gt;"
 * ```
 */
export const escape = (text: string, max = maxSectionChars): string => {
  const escaped = text
    .replace(/\r\n?/g, "\n")
    .replace(unsafe, "")
    .replace(/[&<>*_~`]/g, (c) => lookalikes[c] ?? c)
    .replace(/@(channel|here|everyone)\b/gi, "@\u200b$1")
  if (escaped.length <= max) return escaped
  // Never cut an entity in half.
  const cut = escaped.slice(0, max - 1).replace(/&[a-z]{0,3}$/, "")
  return `${cut}…`
}

/**
 * Defangs a URL or address for display: `http` → `hxxp`, dots → `[.]`, `@` → `[@]`, so Slack
 * does not auto-link it and nobody clicks it from an approval request. Escape the result too.
 *
 * @example
 * ```ts
 * SlackText.defang("https://login.evil.example/a") // "hxxps://login[.]evil[.]example/a"
 * ```
 */
export const defang = (text: string): string =>
  text
    .replace(/\bhttp/gi, "hxxp")
    .replace(/\./g, "[.]")
    .replace(/@/g, "[@]")

/**
 * Defangs every `scheme://…` URL and every email address inside free text (alert summaries,
 * subjects), leaving the rest readable. Bare domains without a scheme are left as they are.
 *
 * @example
 * ```ts
 * SlackText.defangUrls("reset at https://evil.example/x now") // "reset at hxxps://evil[.]example/x now"
 * ```
 */
export const defangUrls = (text: string): string =>
  text
    .replace(/\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s<>|"]+/gi, (url) => defang(url))
    .replace(/[^\s<>|"@]+@[^\s<>|"@]+\.[^\s<>|"@]+/g, (address) => defang(address))
