/**
 * Checks what `npm pack` would publish for every public workspace package: only dist/,
 * README.md, LICENSE and package.json — no sources, tests, fixtures or corpus — and that the
 * LICENSE and README are there. Run: `npm run check:pack` (after `npm run build`).
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

interface Workspace {
  readonly name: string
  readonly location: string
  readonly private?: boolean
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm"
const workspaces = (
  JSON.parse(execFileSync(npm, ["query", ".workspace", "--json"], { encoding: "utf8" })) as Array<
    Workspace & { path: string }
  >
)
  .map((w) => ({
    ...w,
    pkg: JSON.parse(readFileSync(`${w.path}/package.json`, "utf8")) as { private?: boolean; name: string },
  }))
  .filter((w) => w.pkg.private !== true)

const allowed = (file: string) =>
  file === "package.json" || file === "README.md" || file === "LICENSE" || file.startsWith("dist/")
let failures = 0
for (const w of workspaces) {
  const [report] = JSON.parse(
    execFileSync(npm, ["pack", "--dry-run", "--json", "--workspace", w.pkg.name], { encoding: "utf8" }),
  ) as Array<{
    files: Array<{ path: string }>
  }>
  const files = report!.files.map((f) => f.path)
  const extra = files.filter((f) => !allowed(f))
  const missing = ["package.json", "README.md", "LICENSE"].filter((f) => !files.includes(f))
  const hasDist =
    files.some((f) => f.startsWith("dist/") && f.endsWith(".mjs")) && files.some((f) => f.endsWith(".d.mts"))
  if (extra.length > 0 || missing.length > 0 || !hasDist) {
    failures++
    console.error(
      `✗ ${w.pkg.name}: ${[extra.length ? `unexpected ${extra.join(", ")}` : "", missing.length ? `missing ${missing.join(", ")}` : "", hasDist ? "" : "no built dist (run npm run build)"].filter(Boolean).join("; ")}`,
    )
  } else {
    console.log(`✓ ${w.pkg.name}: ${files.length} files`)
  }
}
if (failures > 0) {
  console.error(`${failures} package(s) would publish the wrong files`)
  process.exit(1)
}
