/**
 * The Riposte demo: phishing response end to end on the embedded SQLite default.
 *
 *   npm run demo                    # approves as a named demo analyst
 *   npm run demo -- --interactive   # asks you at the prompt
 *   npm run demo -- --fresh         # starts from an empty database
 *
 * It starts loopback simulators (VirusTotal, Microsoft Graph mail, an EDL blocklist), seeds
 * mailboxes with copies of each sample, reports every sample email, runs the phishing playbook
 * for each with visible progress, decides the approvals, then prints a summary table and one
 * case timeline. Running it twice is idempotent: the same emails join the same runs.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { createInterface } from "node:readline/promises"
import { CaseRender } from "@riposte/case-store"
import type { CaseModel, Engine } from "@riposte/core"
import { Email } from "@riposte/email"
import { createDurableRiposte } from "@riposte/runtime"
import { Simulator } from "@riposte/simulators"
import { Effect } from "effect"
import { live } from "../phishing/src/connectors.ts"
import { phishing, type Report } from "../phishing/src/playbook.ts"

const args = new Set(process.argv.slice(2))
const interactive = args.has("--interactive")
const directory = process.env.RIPOSTE_DEMO_DIR ?? "./.riposte/demo"
const analyst = { actor: "dana.demo", roles: ["soc-lead"] }
const mailboxes = [
  "alice@corp.example",
  "bob@corp.example",
  "carol@corp.example",
  "erin@corp.example",
  "frank@corp.example",
]
const started = Date.now()

const log = (line: string) =>
  console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s  ${line}`)

if (args.has("--fresh")) rmSync(directory, { recursive: true, force: true })

// --- loopback simulators ------------------------------------------------------------------
const sim = await Simulator.startAll({ latency: { minMillis: 20, maxMillis: 120 } })
log(`simulators listening on ${sim.url} (VirusTotal, Graph mail, EDL blocklist)`)

const emailsDir = new URL("./emails/", import.meta.url)
const files = readdirSync(emailsDir)
  .filter((f) => f.endsWith(".eml"))
  .sort()

// Seed: every mailbox exists (the SOC's too), copies of every sample sit in several of them,
// and known-good hosts have a clean reputation.
const copies = new Map<string, Array<{ internetMessageId: string; subject: string }>>(
  [...mailboxes, "soc@corp.example"].map((m) => [m, []]),
)
for (const [i, file] of files.entries()) {
  const raw = readFileSync(new URL(file, emailsDir))
  const analysis = await Effect.runPromise(Effect.option(Email.analyze(raw)))
  if (analysis._tag === "None" || analysis.value.messageId === null) continue
  for (const mailbox of mailboxes.slice(0, 2 + (i % 4))) {
    copies
      .get(mailbox)!
      .push({ internetMessageId: analysis.value.messageId, subject: analysis.value.subject ?? "" })
  }
}
for (const [mailbox, messages] of copies) sim.mail.seed(mailbox, messages)
for (const good of [
  "gmail.com",
  "www.zenledger.io",
  "corp.example",
  "intranet.corp.example",
  "https://intranet.corp.example/lunch",
  "i.imgur.com",
  "https://i.imgur.com/dJllHB9.png",
  "kreata.ee",
  "srs1.zonevs.eu",
  "domain.dom",
]) {
  sim.reputation.set(good, "benign")
}

// --- the engine: durable SQLite, real connectors over HTTP to the simulators -------------
const riposte = await createDurableRiposte({
  storage: { sqlite: { directory } },
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
log(`engine ready: SQLite journal and case store in ${directory}/`)

// --- report every sample ----------------------------------------------------------------
const runs = new Map<string, { readonly file: string; readonly runId: string }>()
for (const file of files) {
  const report: Report = {
    emlBase64: readFileSync(new URL(file, emailsDir)).toString("base64"),
    reporter: "reporter@corp.example",
    reportedAt: "2026-11-23T09:00:00.000Z",
  }
  const { runId } = await riposte.start(phishing, report)
  runs.set(runId, { file, runId })
  log(`reported ${file.padEnd(30)} → run ${runId.slice(-12)}`)
}

// --- approvals and progress --------------------------------------------------------------
const prompt = interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined
const results = new Map<string, Engine.RunResult>()
const seen = new Set<string>()
const deadline = Date.now() + 120_000
while (results.size < runs.size && Date.now() < deadline) {
  for (const request of await riposte.approvals.pending()) {
    if (seen.has(request.id)) continue
    seen.add(request.id)
    const run = runs.get(request.runId)
    log(`✋ approval requested for ${run?.file ?? request.runId}: ${request.summary}`)
    let decision: "approve" | "deny" = "approve"
    if (prompt) {
      const answer = await prompt.question(`   approve as ${analyst.actor}? [y/N] `)
      decision = /^y(es)?$/i.test(answer.trim()) ? "approve" : "deny"
    }
    await riposte.approvals.decide(request.id, {
      decision,
      ...analyst,
      comment: interactive ? "decided at the prompt" : "demo analyst",
    })
    log(`   ${decision === "approve" ? "approved" : "denied"} by ${analyst.actor}`)
  }
  for (const { runId, file } of runs.values()) {
    if (results.has(runId)) continue
    const state = await riposte.status(runId)
    if (state._tag === "Completed") {
      results.set(runId, state.result)
      log(
        `✔ ${file.padEnd(30)} ${state.result.path.filter((p) => p.startsWith("verdict=")).join("")} → ${state.result.status}`,
      )
    } else if (state._tag === "Failed") {
      results.set(runId, { status: "completed", runId, caseId: "", path: [`failed: ${String(state.error)}`] })
      log(`✘ ${file}: ${String(state.error)}`)
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 100))
}
prompt?.close()

// --- summary -----------------------------------------------------------------------------
const views = new Map<string, CaseModel.CaseView>()
for (const result of results.values())
  if (result.caseId) views.set(result.runId, await riposte.cases.view(result.caseId))

const minutes = (from: number, to: number | null) =>
  to === null ? "—" : `${((to - from) / 1000).toFixed(1)} s`
const rows = [...runs.values()].map(({ file, runId }) => {
  const result = results.get(runId)
  const view = views.get(runId)
  const actions = view?.actions ?? []
  const done = (action: string) =>
    actions.filter((a) => a.action === action && a.status === "succeeded").length
  return {
    email: file,
    verdict: result?.path.find((p) => p.startsWith("verdict="))?.slice(8) ?? "—",
    status: result?.status ?? "running",
    quarantined: String(done("quarantineMessage")),
    blocked: String(done("add")),
    approvals:
      view?.approvals.map((a) => `${a.decision} by ${a.approvers.join(", ") || "—"}`).join("; ") || "—",
    respond: view
      ? minutes(view.case.createdAt, view.case.containedAt ?? view.case.closedAt ?? view.case.acknowledgedAt)
      : "—",
  }
})
const headers = {
  email: "email",
  verdict: "verdict",
  status: "status",
  quarantined: "quarantined",
  blocked: "blocked",
  approvals: "approvals",
  respond: "time to respond",
}
const widths = Object.fromEntries(
  Object.keys(headers).map((k) => [
    k,
    Math.max(...[headers, ...rows].map((r) => r[k as keyof typeof headers].length)),
  ]),
)
const line = (r: Record<string, string>) =>
  Object.keys(headers)
    .map((k) => r[k]!.padEnd(widths[k]!))
    .join("  ")
console.log(
  `\n${line(headers)}\n${Object.keys(headers)
    .map((k) => "─".repeat(widths[k]!))
    .join("  ")}`,
)
for (const r of rows) console.log(line(r))

const contained = [...views.values()].find((v) => v.case.status === "contained") ?? [...views.values()][0]
if (contained) console.log(`\n${CaseRender.text(contained)}`)

const calls = sim.calls()
const count = (prefix: string) =>
  Object.entries(calls)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((n, [, v]) => n + v, 0)
console.log(
  `\nsimulator calls: ${count("GET /virustotal")} VirusTotal lookups, ${count("POST /graph/v1.0/users")} mail moves, ` +
    `${count("POST /edl")} blocks; duplicate idempotency keys: ${Object.keys(sim.duplicateKeys()).length}`,
)
log(`done: ${results.size}/${runs.size} runs finished`)
await riposte.close()
await sim.close()
if (results.size < runs.size) process.exit(1)
