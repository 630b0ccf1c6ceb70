import { assert, describe, it } from "@effect/vitest"
import { LineDiff } from "../src/index.ts"

describe("LineDiff", () => {
  it("marks removed, added and common lines in order", () => {
    assert.deepStrictEqual(LineDiff.diff(["a", "b", "c"], ["a", "x", "c", "d"]), [
      { _tag: "Same", text: "a" },
      { _tag: "Removed", text: "b" },
      { _tag: "Added", text: "x" },
      { _tag: "Same", text: "c" },
      { _tag: "Added", text: "d" },
    ])
    assert.isTrue(LineDiff.same(["a"], ["a"]))
    assert.isFalse(LineDiff.same(["a"], ["a", "b"]))
  })

  it("folds long unchanged runs around the changes", () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`)
    const after = before.map((l) => (l === "line 10" ? "line ten" : l))
    const text = LineDiff.format(before, after, 1)
    assert.strictEqual(text, ["  …", "  line 9", "- line 10", "+ line ten", "  line 11", "  …"].join("\n"))
  })

  it("stays linear on very long inputs", () => {
    const long = Array.from({ length: 6_000 }, (_, i) => String(i))
    const lines = LineDiff.diff(long, [...long.slice(0, 5_999), "changed"])
    assert.deepStrictEqual(lines.slice(-2), [
      { _tag: "Removed", text: "5999" },
      { _tag: "Added", text: "changed" },
    ])
  })
})
