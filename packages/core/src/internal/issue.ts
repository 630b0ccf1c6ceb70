/** Reads the failing path out of a Schema error (`at ["urls"][1]` → `urls[1]`); `$` for the root. */
export const issuePath = (error: unknown): string => {
  const match = /\n\s*at ((?:\[[^\]]*\])+)/.exec(String(error))
  if (match === null) return "$"
  let path = ""
  for (const seg of match[1]!.matchAll(/\[("(?:[^"\\]|\\.)*"|[^\]]*)\]/g)) {
    const raw = seg[1]!
    path += raw.startsWith('"') ? `${path === "" ? "" : "."}${JSON.parse(raw) as string}` : `[${raw}]`
  }
  return path === "" ? "$" : path
}

/** The first line of a Schema error message, without the path. */
export const issueMessage = (error: unknown): string => {
  const text = String(error)
    .replace(/^SchemaError\(/, "")
    .replace(/\)$/, "")
  return text.split("\n")[0] ?? text
}
