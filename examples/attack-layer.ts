/**
 * Generates examples/attack-layer.json, an ATT&CK Navigator layer (4.5) of the techniques
 * answered by the example playbooks whose tests pass.
 *
 *   npm run attack-layer -w @riposte/examples
 *
 * Runs the examples' tests (vitest, JSON reporter), maps test files to example directories, and
 * keeps the playbooks of the examples whose every test passed.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { build, catalog, passingExamples } from "./attack-layer/src/AttackLayer.ts"
import { examples } from "./attack-layer/src/Registry.ts"

const here = fileURLToPath(new URL(".", import.meta.url))
const repo = join(here, "..")
const out = mkdtempSync(join(tmpdir(), "riposte-attack-"))
const report = join(out, "report.json")
try {
  // The layer's own test reads the layer this script writes: leave it out of the run.
  const run = spawnSync(
    process.execPath,
    [
      join(repo, "node_modules/vitest/vitest.mjs"),
      "run",
      "--project",
      "examples",
      "--reporter=json",
      `--outputFile=${report}`,
      "--exclude",
      "attack-layer/**",
    ],
    { cwd: repo, stdio: ["ignore", "ignore", "inherit"] },
  )
  const passing = passingExamples(JSON.parse(readFileSync(report, "utf8")))
  const layer = build(
    examples,
    passing,
    catalog(join(repo, "../shared/corpus/stix/mitre-cti-enterprise-attack/attack-pattern")),
  )
  writeFileSync(join(here, "attack-layer.json"), `${JSON.stringify(layer, null, 2)}\n`)
  const failing = examples.map((e) => e.dir).filter((d) => !passing.has(d))
  console.log(
    `attack-layer.json: ${layer.techniques.length} techniques from ${passing.size} passing examples` +
      (failing.length > 0 ? `; left out (tests failing or missing): ${failing.join(", ")}` : "") +
      ` (vitest exit ${run.status})`,
  )
} finally {
  rmSync(out, { recursive: true, force: true })
}
