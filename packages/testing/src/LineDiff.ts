/**
 * A small line diff (longest common subsequence) for readable test failures.
 *
 * @example
 * ```ts
 * LineDiff.format(["a", "b", "c"], ["a", "x", "c"])
 * // "  a\n- b\n+ x\n  c"
 * ```
 * @since 0.1.0
 */

export type Line =
  | { readonly _tag: "Same"; readonly text: string }
  | { readonly _tag: "Removed"; readonly text: string }
  | { readonly _tag: "Added"; readonly text: string }

/** Largest input (lines per side) diffed exactly; longer inputs are compared line by line. */
const MAX_LINES = 5_000

/**
 * Diffs two lists of lines: `Removed` lines are only in `expected`, `Added` only in `actual`.
 *
 * @example
 * ```ts
 * LineDiff.diff(["a"], ["b"]) // [{ _tag: "Removed", text: "a" }, { _tag: "Added", text: "b" }]
 * ```
 */
export const diff = (expected: ReadonlyArray<string>, actual: ReadonlyArray<string>): ReadonlyArray<Line> => {
  if (expected.length > MAX_LINES || actual.length > MAX_LINES) {
    const out: Array<Line> = []
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      const e = expected[i]
      const a = actual[i]
      if (e === a && e !== undefined) out.push({ _tag: "Same", text: e })
      else {
        if (e !== undefined) out.push({ _tag: "Removed", text: e })
        if (a !== undefined) out.push({ _tag: "Added", text: a })
      }
    }
    return out
  }
  const n = expected.length
  const m = actual.length
  // lcs[i][j]: length of the longest common subsequence of expected[i..] and actual[j..].
  const lcs: Array<Uint32Array> = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] =
        expected[i] === actual[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
    }
  }
  const out: Array<Line> = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (expected[i] === actual[j]) {
      out.push({ _tag: "Same", text: expected[i]! })
      i++
      j++
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ _tag: "Removed", text: expected[i++]! })
    else out.push({ _tag: "Added", text: actual[j++]! })
  }
  while (i < n) out.push({ _tag: "Removed", text: expected[i++]! })
  while (j < m) out.push({ _tag: "Added", text: actual[j++]! })
  return out
}

/** `true` when the two lists are equal. */
export const same = (expected: ReadonlyArray<string>, actual: ReadonlyArray<string>): boolean =>
  expected.length === actual.length && expected.every((line, i) => line === actual[i])

/**
 * Formats a diff: `- ` expected only, `+ ` actual only, `  ` both; unchanged runs longer than
 * `2 * context` lines are folded.
 *
 * @example
 * ```ts
 * LineDiff.format(["a", "b"], ["a", "c"]) // "  a\n- b\n+ c"
 * ```
 */
export const format = (
  expected: ReadonlyArray<string>,
  actual: ReadonlyArray<string>,
  context = 3,
): string => {
  const lines = diff(expected, actual)
  const keep = lines.map(() => false)
  lines.forEach((line, k) => {
    if (line._tag === "Same") return
    for (let c = Math.max(0, k - context); c <= Math.min(lines.length - 1, k + context); c++) keep[c] = true
  })
  const out: Array<string> = []
  let folded = false
  lines.forEach((line, k) => {
    if (!keep[k]) {
      if (!folded) out.push("  …")
      folded = true
      return
    }
    folded = false
    out.push(`${line._tag === "Same" ? " " : line._tag === "Removed" ? "-" : "+"} ${line.text}`)
  })
  return out.join("\n")
}
