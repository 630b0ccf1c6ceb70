// Reads files of the shared alerts corpus (/work/shared/corpus/alerts, a sibling of the repo).
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const corpusRoot = new URL("../../../../shared/corpus/alerts/", import.meta.url)

export const text = (path: string): string => readFileSync(new URL(path, corpusRoot), "utf8")

export const json = (path: string): unknown => JSON.parse(text(path))

/** Every data file of the corpus (relative paths), excluding SOURCES.md and LICENSES/. */
export const allFiles = (): ReadonlyArray<string> =>
  readdirSync(fileURLToPath(corpusRoot), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => `${d.parentPath}/${d.name}`.slice(fileURLToPath(corpusRoot).length).replace(/^\//, ""))
    .filter((p) => p !== "SOURCES.md" && !p.startsWith("LICENSES/"))
    .sort()
