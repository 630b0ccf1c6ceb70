/** The shared STIX corpus. */
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const root = new URL("../../../../shared/corpus/stix/", import.meta.url)
export const text = (path: string) => readFileSync(new URL(path, root), "utf8")
export const json = (path: string): any => JSON.parse(text(path))
export const cisa =
  "cisa-advisory/AA24-249A-Russian-Military-Cyber-Actors-Target-US-and-Global-Critical-Infrastructure.stix.json"

/** Every JSON file of the corpus that is a bundle. */
export const bundles = (): ReadonlyArray<string> =>
  readdirSync(fileURLToPath(root), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith(".json"))
    .map((d) => `${d.parentPath}/${d.name}`.slice(fileURLToPath(root).length).replace(/^\//, ""))
    .filter((p) => !p.includes("/schemas/") && !p.includes("/interop/"))
    .filter((p) => json(p).type === "bundle")
    .sort()
