/**
 * W3 phishing at volume: alerts through the phishing playbook against the simulators (their
 * own process) at 20–200 ms latency on durable SQLite; an analyst loop approves every purge.
 */
import { statSync } from "node:fs"
import { join } from "node:path"
import { createDurableRiposte } from "@riposte/runtime"
import { live } from "../../examples/phishing/src/connectors.ts"
import { phishing } from "../../examples/phishing/src/playbook.ts"
import { alert } from "./Alerts.ts"
import { sqliteCounter, tempDir } from "./Db.ts"
import { pool } from "./Dbos.ts"
import { row, type WorkloadResult } from "./Report.ts"
import * as SimulatorProcess from "./SimulatorProcess.ts"
import { quantile, since, sleep } from "./Stats.ts"

const mailboxes = ["alice@corp.example", "bob@corp.example", "carol@corp.example"]

export const run = async (quick: boolean): Promise<WorkloadResult> => {
  const started = performance.now()
  const total = Number(process.env.BENCH_W3_ALERTS ?? (quick ? 500 : 10_000))
  // Alerts in flight at once: an ingest queue feeding the engine as fast as it takes them.
  const inFlight = Number(process.env.BENCH_W3_CONCURRENCY ?? 256)
  sqliteCounter.install()
  const sim = await SimulatorProcess.start({ latency: { minMillis: 20, maxMillis: 200 } })
  const dir = tempDir("w3")
  // Only the ids and subjects stay in memory; each report is built when its alert is sent (the
  // process's RSS is then the engine's, not 10,000 base64 emails held by the benchmark).
  const seeds = Array.from({ length: total }, (_, i) => {
    const a = alert(i)
    return { internetMessageId: a.messageId, subject: a.subject }
  })
  for (const m of mailboxes) await sim.seedMail(m, seeds)
  seeds.length = 0
  for (const good of ["gmail.com", "corp.example", "intranet.corp.example", "i.imgur.com"])
    await sim.setReputation(good, "benign")
  const riposte = await createDurableRiposte({
    storage: { sqlite: { directory: dir.path } },
    playbooks: [phishing],
    connectors: [
      live({
        virustotal: `${sim.urlOf("virustotal")}/api/v3`,
        graph: sim.urlOf("graph"),
        blocklist: sim.urlOf("edl"),
        mailboxes,
      }),
    ],
  })
  let done = false
  let approved = 0
  const approver = (async () => {
    while (!done) {
      for (const request of await riposte.approvals.pending()) {
        await riposte.approvals
          .decide(request.id, { decision: "approve", actor: "bench.lead", roles: ["soc-lead"] })
          .then(() => approved++)
          .catch(() => undefined)
      }
      await sleep(200)
    }
  })()
  const latencies: Array<number> = []
  const statuses = new Map<string, number>()
  let failed = 0
  let firstError = ""
  const wall = performance.now()
  const sqlBefore = sqliteCounter.snapshot()
  sqliteCounter.topStatements()
  let peakRss = 0
  const rss = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }, 250)
  await pool(total, inFlight, async (i) => {
    const t = performance.now()
    try {
      const result = await riposte.run(phishing, alert(i).report)
      latencies.push(since(t))
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1)
    } catch (error) {
      failed++
      if (firstError === "") firstError = String(error).slice(0, 300)
    }
  })
  const seconds = since(wall) / 1000
  const sql = sqliteCounter.diff(sqlBefore)
  if (process.env.BENCH_SQL_TIMING === "1")
    console.log(`time in node:sqlite:\n${sqliteCounter.topStatements().join("\n")}`)
  clearInterval(rss)
  done = true
  await approver
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024)
  const duplicates = Object.values(await sim.duplicateKeys()).reduce((n, v) => n + v, 0)
  const calls = await sim.calls()
  const destructive = Object.entries(calls)
    .filter(([k]) => k.startsWith("POST /graph") || k.startsWith("POST /edl"))
    .reduce((n, [, v]) => n + v, 0)
  await riposte.close()
  await sim.close()
  const dbBytes = ["riposte.db", "riposte.db-wal"].reduce((n, f) => {
    try {
      return n + statSync(join(dir.path, f)).size
    } catch {
      return n
    }
  }, 0)
  if (process.env.BENCH_KEEP === undefined) dir.remove()
  else console.log(`kept ${dir.path}`)
  const perSecond = total / seconds
  const W = "W3 phishing (SQLite)"
  const projected = 10_000 / perSecond
  return {
    workload: "W3",
    title: "phishing playbook at volume, simulators at 20–200 ms, durable SQLite",
    size: { alerts: total, inFlight, approved, failed, firstError, ...Object.fromEntries(statuses) },
    rows: [
      row(W, `alerts per second (${total} alerts)`, perSecond, "alerts/s", {
        target: { goal: "10,000 alerts ≤ 25 s (≥ 400/s)", met: perSecond >= 400 },
        note: `10,000 alerts projected at ${projected.toFixed(0)} s`,
      }),
      row(W, "end-to-end p50", quantile(latencies, 0.5), "ms"),
      row(W, "end-to-end p99", quantile(latencies, 0.99), "ms"),
      row(W, "peak RSS", peakRss / 1024 / 1024, "MB"),
      row(W, "duplicate destructive calls", duplicates, "calls", {
        target: { goal: "0", met: duplicates === 0 },
        note: `${destructive} POSTs to Graph mail and the EDL`,
      }),
      row(W, "runs failed", failed, "runs"),
    ],
    profile: {
      "SQL statements per alert": sql.statements / total,
      "commits per alert": sql.commits / total,
      "connector calls per alert": Object.values(calls).reduce((n, v) => n + v, 0) / total,
      "database bytes per alert": dbBytes / total,
    },
    seconds: since(started) / 1000,
  }
}
