import { assert, describe, it } from "@effect/vitest"
import { SlackText } from "../src/index.ts"

/** After escaping, nothing Slack would parse as a control sequence or formatting may remain. */
const assertInert = (escaped: string) => {
  assert.notMatch(escaped, /[<>*_~`]/, `formatting or control syntax survived: ${escaped}`)
  assert.notMatch(escaped, /&(?!amp;|lt;|gt;)/, `a raw & survived: ${escaped}`)
  assert.notMatch(escaped, /@(channel|here|everyone)\b/i, `a broadcast mention survived: ${escaped}`)
}

describe("SlackText.escape", () => {
  it("neutralises broadcast mentions, user/channel mentions and links", () => {
    const cases: Array<[string, string]> = [
      ["<!channel> wake up", "&lt;!channel&gt; wake up"],
      ["<!here|here>", "&lt;!here|here&gt;"],
      ["<!subteam^S123|@security>", "&lt;!subteam^S123|@security&gt;"],
      ["ping <@U024BE7LH>", "ping &lt;@U024BE7LH&gt;"],
      ["see <#C024BE7LR|general>", "see &lt;#C024BE7LR|general&gt;"],
      [
        "<https://evil.example/login|Reset your password>",
        "&lt;https://evil.example/login|Reset your password&gt;",
      ],
      ["<mailto:ceo@corp.example|CEO>", "&lt;mailto:ceo@corp.example|CEO&gt;"],
      ["&lt;!channel&gt; pre-escaped", "&amp;lt;!channel&amp;gt; pre-escaped"],
    ]
    for (const [input, expected] of cases) {
      const escaped = SlackText.escape(input)
      assert.strictEqual(escaped, expected)
      assertInert(escaped)
    }
  })

  it("breaks bold, italic, strike and code formatting, and blockquotes", () => {
    const escaped = SlackText.escape("*APPROVE NOW* _ceo_ ~ignore~ `rm -rf` ```block```\n> quoted")
    assert.strictEqual(
      escaped,
      "\u2217APPROVE NOW\u2217 \u02cdceo\u02cd \u223cignore\u223c \u02cbrm -rf\u02cb \u02cb\u02cb\u02cbblock\u02cb\u02cb\u02cb\n&gt; quoted",
    )
    assertInert(escaped)
  })

  it("defuses plain @channel/@here/@everyone with a zero-width space", () => {
    const escaped = SlackText.escape("@channel @HERE @everyone team@here.example")
    assert.strictEqual(escaped, "@\u200bchannel @\u200bHERE @\u200beveryone team@\u200bhere.example")
    assertInert(escaped)
  })

  it("strips control characters and bidi overrides but keeps newlines and tabs", () => {
    assert.strictEqual(
      SlackText.escape("in\u202Egnp.exe\u0000\u001b[31m\r\nnext\tcol"),
      "ingnp.exe[31m\nnext\tcol",
    )
  })

  it("caps the length without cutting an entity in half", () => {
    const escaped = SlackText.escape(`${"a".repeat(8)}<<<<`, 12)
    assert.strictEqual(escaped, "aaaaaaaa…")
    assert.isAtMost(SlackText.escape("x".repeat(10_000)).length, SlackText.maxSectionChars)
    assertInert(SlackText.escape("<".repeat(5_000)))
  })

  it("a fuzz of hostile fragments always comes out inert", () => {
    const fragments = [
      "<",
      ">",
      "&",
      "*",
      "_",
      "~",
      "`",
      "<!channel>",
      "<@U1>",
      "|",
      "@here",
      "\u0000",
      "\n",
      "x",
    ]
    let seed = 7
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed
    }
    for (let i = 0; i < 500; i++) {
      const input = Array.from(
        { length: 1 + (next() % 30) },
        () => fragments[next() % fragments.length],
      ).join("")
      assertInert(SlackText.escape(input))
    }
  })
})

describe("SlackText.defang", () => {
  it("makes URLs and addresses non-clickable", () => {
    assert.strictEqual(
      SlackText.defang("https://login.evil.example/a?b=c"),
      "hxxps://login[.]evil[.]example/a?b=c",
    )
    assert.strictEqual(SlackText.defang("eve@evil.example"), "eve[@]evil[.]example")
    assert.strictEqual(SlackText.defang("HTTP://X.Y"), "hxxp://X[.]Y")
  })
})

describe("SlackText.defangUrls", () => {
  it("defangs URLs and addresses inside free text only", () => {
    assert.strictEqual(
      SlackText.defangUrls("Reset at https://login.evil.example/x?a=b or mail it@evil.example today."),
      "Reset at hxxps://login[.]evil[.]example/x?a=b or mail it[@]evil[.]example today.",
    )
    assert.strictEqual(SlackText.defangUrls("<https://evil.example|ok>"), "<hxxps://evil[.]example|ok>")
    assert.strictEqual(SlackText.defangUrls("no links here."), "no links here.")
  })
})
