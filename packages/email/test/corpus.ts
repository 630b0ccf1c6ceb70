import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The shared corpus lives beside the repository (`<repo>/../shared/corpus/email`). Resolved from
 * this file so a clone at any path works. Samples are read as bytes and only ever parsed.
 */
export const corpusDir = fileURLToPath(new URL("../../../../shared/corpus/email/", import.meta.url))

export type Folder = "phishing" | "ham" | "malformed"

export const read = (folder: Folder, name: string): Uint8Array => readFileSync(join(corpusDir, folder, name))

export const list = (folder: Folder): Array<string> =>
  readdirSync(join(corpusDir, folder))
    .filter((f) => f.endsWith(".eml"))
    .sort()
