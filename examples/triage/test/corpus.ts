/** Real vendor alerts from the shared corpus, normalized with @riposte/alerts. */
import { readFileSync } from "node:fs"
import { type Alert, Alerts } from "@riposte/alerts"
import { Effect } from "effect"

const root = new URL("../../../../shared/corpus/alerts/", import.meta.url)

/** Parses a corpus file. */
export const json = (path: string): unknown => JSON.parse(readFileSync(new URL(path, root), "utf8"))

/** The alerts of a corpus file, normalized for `vendor`. */
export const alerts = (vendor: Alert.Vendor, path: string, pick: (raw: any) => unknown = (r) => r) =>
  Alerts.normalize(vendor, pick(json(path))).pipe(Effect.orDie)
