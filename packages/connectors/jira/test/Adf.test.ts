import { assert, describe, it } from "@effect/vitest"
import { Adf } from "../src/index.ts"

/** Every node type and key in a document, to prove no marks, links or mentions exist. */
const shape = (node: unknown, out = new Set<string>()): Set<string> => {
  if (Array.isArray(node)) for (const n of node) shape(n, out)
  else if (typeof node === "object" && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      out.add(k === "type" ? `type:${String(v)}` : `key:${k}`)
      shape(v, out)
    }
  }
  return out
}

const texts = (doc: Adf.Document) =>
  doc.content.flatMap((p) => p.content.flatMap((n) => (n.type === "text" ? [n.text] : [])))

describe("Adf", () => {
  it("keeps hostile wiki markup, links, mentions and HTML as literal text nodes", () => {
    const hostile = [
      "[click here|https://evil.example/login] *urgent* _now_ {code}rm -rf /{code}",
      "!https://evil.example/track.png! [~accountid:5b10ac8d82e05b22cc7d4ef5] @here",
      '<a href="javascript:alert(1)">x</a> {{monospace}} ----',
    ].join("\n")
    const doc = Adf.fromText(hostile)
    assert.deepStrictEqual(texts(doc), hostile.split("\n"))
    assert.deepStrictEqual(
      [...shape(doc)].sort(),
      ["key:content", "key:text", "key:version", "type:doc", "type:hardBreak", "type:paragraph", "type:text"],
      "only doc/paragraph/text/hardBreak, no marks or attrs",
    )
  })

  it("paragraphs on blank lines, hard breaks on single newlines, no empty text nodes", () => {
    assert.deepStrictEqual(Adf.fromText("a\r\nb\n\n\nc\n"), {
      type: "doc",
      version: 1,
      content: [
        {
          type: "paragraph",
          content: [{ type: "text", text: "a" }, { type: "hardBreak" }, { type: "text", text: "b" }],
        },
        { type: "paragraph", content: [{ type: "text", text: "c" }, { type: "hardBreak" }] },
      ],
    })
  })

  it("removes control characters and bidi overrides; caps the length", () => {
    assert.strictEqual(Adf.clean("in\u0000vo\u202Eice\u0007.exe\tok"), "invoice.exe\tok")
    const long = Adf.clean("x".repeat(40_000))
    assert.strictEqual(long.length, Adf.maxChars)
    assert.isTrue(long.endsWith("…"))
  })

  it("singleLine flattens summaries and caps them at 255", () => {
    assert.strictEqual(Adf.singleLine("  Phish\r\nfrom\teve\u0000  "), "Phish from eve")
    assert.strictEqual(Adf.singleLine("y".repeat(300)).length, 255)
  })
})
