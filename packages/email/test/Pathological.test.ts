/**
 * Inputs that make naive regex scanners backtrack quadratically. Run in-process (no worker
 * timeout to hide behind): each must finish quickly. Sizes are ~400 KB; a quadratic scan of that
 * takes minutes.
 */
import { assert, describe, it } from "@effect/vitest"
import { Limits } from "../src/index.ts"
import { extract } from "../src/internal/Extract.ts"
import { simple } from "./mime.ts"

const html = (body: string) =>
  `From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n${body}\r\n`

const cases: ReadonlyArray<readonly [string, string]> = [
  ["unterminated comments", html("<!--".repeat(100_000))],
  ["unterminated scripts", html("<script ".repeat(50_000))],
  ["unterminated tags", html("<a ".repeat(130_000))],
  ["unterminated attribute quotes", html("<a href='x ".repeat(40_000))],
  ["long dotted chain", simple("a.".repeat(200_000))],
  [
    "boundary-like line of spaces",
    `Content-Type: multipart/mixed; boundary="b"\r\n\r\n--${" ".repeat(400_000)}x\r\n`,
  ],
]

describe("pathological inputs stay linear", () => {
  for (const [name, raw] of cases) {
    it(name, async () => {
      const started = performance.now()
      const result = await extract(raw, Limits.make({ maxUrls: 1_000_000 }))
      const ms = performance.now() - started
      assert.oneOf(result._tag, ["Success", "Failure"])
      assert.isBelow(ms, 3_000, `${name} took ${Math.round(ms)} ms`)
    })
  }
})
