/**
 * One measured figure, printed next to the baseline measured in the same run.
 */
export interface Row {
  readonly workload: string
  readonly metric: string
  readonly value: number
  readonly unit: string
  /** The baseline measured in the same process run, if the figure has one. */
  readonly baseline?: { readonly name: string; readonly value: number } | undefined
  /** value / baseline.value */
  readonly ratio?: number | undefined
  /** The target, in words, and whether this run met it. */
  readonly target?: { readonly goal: string; readonly met: boolean } | undefined
  readonly note?: string | undefined
}

export interface WorkloadResult {
  readonly workload: string
  readonly title: string
  /** The size actually run (alerts, runs, trials…) and how many repetitions the medians cover. */
  readonly size: Record<string, number | string>
  readonly rows: ReadonlyArray<Row>
  /** Profile findings (counts of statements/commits, CPU profile hot spots). */
  readonly profile?: Record<string, number | string> | undefined
  readonly seconds: number
}

export const row = (
  workload: string,
  metric: string,
  value: number,
  unit: string,
  extra: {
    readonly baseline?: { readonly name: string; readonly value: number }
    readonly target?: { readonly goal: string; readonly met: boolean }
    readonly note?: string
  } = {},
): Row => ({
  workload,
  metric,
  value,
  unit,
  ...(extra.baseline ? { baseline: extra.baseline, ratio: value / extra.baseline.value } : {}),
  ...(extra.target ? { target: extra.target } : {}),
  ...(extra.note ? { note: extra.note } : {}),
})

const fmt = (n: number): string =>
  !Number.isFinite(n)
    ? String(n)
    : Math.abs(n) >= 1000
      ? Math.round(n).toLocaleString("en-US")
      : Math.abs(n) >= 100
        ? n.toFixed(0)
        : Math.abs(n) >= 10
          ? n.toFixed(1)
          : n.toFixed(Math.abs(n) >= 1 ? 2 : 3)

/** A plain-text table of the rows (also the Markdown table of docs/benchmarks.md). */
export const table = (rows: ReadonlyArray<Row>, markdown = false): string => {
  const head = ["workload", "metric", "riposte", "baseline (same run)", "ratio", "target"]
  const body = rows.map((r) => [
    r.workload,
    r.metric,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${fmt(r.baseline.value)} (${r.baseline.name})` : "—",
    r.ratio === undefined ? "—" : `${r.ratio.toFixed(2)}×`,
    r.target ? `${r.target.met ? "met" : "MISSED"}: ${r.target.goal}` : "—",
  ])
  if (markdown) {
    const line = (cells: ReadonlyArray<string>) =>
      `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`
    return [line(head), line(head.map(() => "---")), ...body.map(line)].join("\n")
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")
  return [line(head), widths.map((w) => "─".repeat(w)).join("  "), ...body.map(line)].join("\n")
}
