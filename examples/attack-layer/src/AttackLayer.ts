/**
 * Builds an ATT&CK Navigator layer (format 4.5) from the `attack` metadata of the example
 * playbooks whose tests pass. Technique ids are validated (format, and name when the local
 * ATT&CK subset of the STIX corpus knows them).
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Example } from "./Registry.ts"

export interface Technique {
  readonly techniqueID: string
  readonly score: number
  readonly comment: string
  readonly enabled: boolean
}

export interface Layer {
  readonly name: string
  readonly versions: { readonly attack: string; readonly navigator: string; readonly layer: string }
  readonly domain: "enterprise-attack"
  readonly description: string
  readonly techniques: ReadonlyArray<Technique>
  readonly gradient: {
    readonly colors: ReadonlyArray<string>
    readonly minValue: number
    readonly maxValue: number
  }
}

const techniqueId = /^T\d{4}(?:\.\d{3})?$/

/**
 * ATT&CK technique id → name, from MITRE's per-object STIX files (STIX 2.0 bundles of
 * `attack-pattern`s). Deprecated and revoked techniques are left out.
 *
 * @example
 * ```ts
 * catalog("/work/shared/corpus/stix/mitre-cti-enterprise-attack/attack-pattern").get("T1566") // "Phishing"
 * ```
 */
export const catalog = (dir: string): ReadonlyMap<string, string> => {
  const names = new Map<string, string>()
  let files: Array<string>
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"))
  } catch {
    return names
  }
  for (const file of files) {
    const bundle = JSON.parse(readFileSync(join(dir, file), "utf8")) as { objects?: ReadonlyArray<any> }
    for (const o of bundle.objects ?? []) {
      if (o.type !== "attack-pattern" || o.revoked === true || o.x_mitre_deprecated === true) continue
      const ref = (o.external_references ?? []).find((r: any) => r.source_name === "mitre-attack")
      if (ref !== undefined && typeof ref.external_id === "string") names.set(ref.external_id, String(o.name))
    }
  }
  return names
}

/**
 * The layer: one entry per technique answered by at least one playbook of a passing example;
 * `score` is the number of such playbooks, `comment` names them (and the technique, when known).
 * Throws on a malformed technique id: a typo must not silently vanish from the coverage map.
 */
export const build = (
  examples: ReadonlyArray<Example>,
  passing: ReadonlySet<string>,
  names: ReadonlyMap<string, string>,
): Layer => {
  const byTechnique = new Map<string, Array<string>>()
  for (const example of examples) {
    if (!passing.has(example.dir)) continue
    for (const p of example.playbooks) {
      const meta = p.definition.meta
      for (const id of meta.attack ?? []) {
        if (!techniqueId.test(id))
          throw new Error(`playbook ${meta.name}: '${id}' is not an ATT&CK technique id`)
        const list = byTechnique.get(id) ?? []
        if (!list.includes(`${meta.name}@${meta.version}`)) list.push(`${meta.name}@${meta.version}`)
        byTechnique.set(id, list)
      }
    }
  }
  const techniques = [...byTechnique.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, playbooks]) => ({
      techniqueID: id,
      score: playbooks.length,
      comment: `${names.get(id) ?? "(not in the local ATT&CK subset)"}: ${playbooks.join(", ")}`,
      enabled: true,
    }))
  return {
    name: "Riposte example playbooks: tested coverage",
    versions: { attack: "18", navigator: "5.1.0", layer: "4.5" },
    domain: "enterprise-attack",
    description: `Techniques answered by example playbooks whose tests pass (${[...passing].sort().join(", ")}).`,
    techniques,
    gradient: {
      colors: ["#d6e9ff", "#1f6fd1"],
      minValue: 0,
      maxValue: Math.max(1, ...techniques.map((t) => t.score)),
    },
  }
}

/** Example directories whose every test file passed, from a vitest JSON report. */
export const passingExamples = (report: {
  readonly testResults: ReadonlyArray<{ readonly name: string; readonly status: string }>
}): ReadonlySet<string> => {
  const status = new Map<string, boolean>()
  for (const r of report.testResults) {
    const m = /[\\/]examples[\\/]([^\\/]+)[\\/]test[\\/]/.exec(r.name)
    if (m === null) continue
    status.set(m[1]!, (status.get(m[1]!) ?? true) && r.status === "passed")
  }
  return new Set([...status].filter(([, ok]) => ok).map(([dir]) => dir))
}
