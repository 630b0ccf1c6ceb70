/**
 * Renders a playbook as a Mermaid flowchart: branches, approval gates and destructive actions
 * are marked so a reviewer sees where a human decides and where the world changes.
 *
 * @example
 * ```ts
 * console.log(Playbook.toMermaid(phishing))
 * ```
 * @since 0.1.0
 */
import type { Node } from "./internal/ast.ts"
import type * as Playbook from "./Playbook.ts"

const esc = (s: string): string =>
  s.replace(/["<>]/g, (c) => (c === '"' ? "#quot;" : c === "<" ? "#lt;" : "#gt;"))

/**
 * A Mermaid `flowchart TD` of the playbook. Destructive actions are detected by evaluating the
 * act's call constructor against an empty context where possible; an act whose calls cannot
 * be evaluated statically is drawn as a plain action.
 */
export const toMermaid = (p: Playbook.Any): string => {
  const def = p.definition
  const lines: Array<string> = [
    "flowchart TD",
    `  start(["${esc(def.meta.name)}@${esc(def.meta.version)} trigger"])`,
  ]
  let counter = 0
  const id = () => `n${counter++}`
  const kindOf = (node: Extract<Node, { kind: "act" }>): string => {
    try {
      const calls = node.calls(sample() as Record<string, unknown>)
      const list = Array.isArray(calls) ? calls : [calls]
      return list.some((c: { kind?: string }) => c?.kind === "destructive") ? "destructive" : "write"
    } catch {
      return "write"
    }
  }
  const walk = (nodes: ReadonlyArray<Node>, from: string, label?: string): string | undefined => {
    let prev = from
    let edge = label === undefined ? "-->" : `-->|${esc(label)}|`
    for (const node of nodes) {
      const n = id()
      switch (node.kind) {
        case "step":
          lines.push(`  ${n}["${esc(node.name)}"]`)
          break
        case "enrich":
          lines.push(`  ${n}[/"enrich: ${esc(node.name)}"/]`)
          break
        case "decide":
          lines.push(`  ${n}{"${esc(node.name)}?"}`)
          break
        case "act": {
          const kind = kindOf(node)
          lines.push(
            `  ${n}["${kind === "destructive" ? "⚠ DESTRUCTIVE: " : "act: "}${esc(node.name)}${node.options.policy ? ` (policy ${esc(node.options.policy.name)})` : ""}"]`,
          )
          if (kind === "destructive") lines.push(`  class ${n} destructive`)
          break
        }
        case "approve":
          lines.push(`  ${n}{{"✋ approval: ${esc(node.name)} (${esc(node.options.roles.join(", "))})"}}`)
          lines.push(`  class ${n} gate`)
          break
        case "case":
          lines.push(`  ${n}[("case update")]`)
          break
        case "close":
          lines.push(`  ${n}(["close case"])`)
          break
        case "call":
          lines.push(`  ${n}[["call ${esc(node.playbook.meta.name)}"]]`)
          break
        case "branch": {
          lines.push(`  ${n}{"branch on ${esc(node.name)}"}`)
          lines.push(`  ${prev} ${edge} ${n}`)
          const join = id()
          lines.push(`  ${join}((" "))`)
          for (const [arm, armNodes] of Object.entries(node.arms)) {
            const end = walk(armNodes, n, arm)
            if (end !== undefined) lines.push(`  ${end} --> ${join}`)
          }
          prev = join
          edge = "-->"
          continue
        }
      }
      lines.push(`  ${prev} ${edge} ${n}`)
      if (node.kind === "approve") {
        const deniedEnd = id()
        lines.push(`  ${deniedEnd}(["denied / timed out: end"])`)
        const last = node.denied ? walk(node.denied, n, "denied") : undefined
        lines.push(last === undefined ? `  ${n} -->|denied| ${deniedEnd}` : `  ${last} --> ${deniedEnd}`)
        edge = "-->|approved|"
      } else {
        edge = "-->"
      }
      prev = n
      if (node.kind === "close") return undefined
    }
    return prev
  }
  const end = walk(def.nodes, "start")
  if (end !== undefined) lines.push(`  ${end} --> done(["end"])`)
  lines.push("  classDef destructive fill:#fdd,stroke:#c00,stroke-width:2px")
  lines.push("  classDef gate fill:#ffd,stroke:#aa0")
  return lines.join("\n")
}

// A proxy that answers every property and call, so `ctx.a.b.map((x) => Conn.act(x))` evaluates
// to one sample call whose `kind` can be read.
const sample = (): unknown => new Proxy(() => undefined, proxyHandler)
const proxyHandler: ProxyHandler<() => undefined> = {
  get: (_t, key) => {
    if (key === Symbol.toPrimitive) return () => ""
    if (key === Symbol.iterator)
      return function* () {
        yield sample()
      }
    if (key === "length") return 1
    if (key === "map" || key === "flatMap")
      return (f: (x: unknown, i: number) => unknown) => [f(sample(), 0)].flat()
    if (key === "filter" || key === "slice") return () => [sample()]
    return sample()
  },
  apply: () => sample(),
}
