/**
 * W7 crash matrix: a playbook whose destructive step makes 3 keyed calls to a receiver in the
 * parent process (applied on receipt, answered after 100–300 ms). Each trial spawns an engine process (durable SQLite) that recovers the runs
 * left by the previous one and starts a new run, which the parent SIGKILLs at a random point.
 * Reports the completion rate, duplicate effects at the keyed receiver and recovery time.
 */
import { spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { Connector, ConnectorError, playbook, policy } from "@riposte/core"
import { createDurableRiposte } from "@riposte/runtime"
import { Effect, Schema } from "effect"
import { tempDir } from "./Db.ts"
import { row, type WorkloadResult } from "./Report.ts"
import { quantile, since, sleep } from "./Stats.ts"

const Effects = Connector.make("bench-effects", {
  version: "1",
  actions: {
    apply: Connector.action({
      input: Schema.Struct({ target: Schema.String }),
      output: Schema.Struct({ ok: Schema.Boolean }),
      kind: "destructive",
    }),
  },
})

const crash = playbook("bench-crash", { version: "1" })
  .trigger(Schema.Struct({ id: Schema.String }), { idempotencyKey: (t) => t.id })
  .act("effects", (ctx) => [0, 1, 2].map((i) => Effects.apply({ target: `${ctx.trigger.id}/${i}` })), {
    policy: policy("bench", "crash matrix: no human in the loop"),
  })
  .case({ status: "contained" })

/** One engine process: recover, start one run, report completions on stdout. */
const life = async () => {
  const receiver = process.env.BENCH_W7_RECEIVER!
  const riposte = await createDurableRiposte({
    storage: { sqlite: { directory: process.env.BENCH_W7_DIR! } },
    playbooks: [crash],
    connectors: [
      Connector.layer(Effects, {
        apply: (input, context) =>
          Effect.tryPromise({
            try: async () => {
              const r = await fetch(receiver, {
                method: "POST",
                body: JSON.stringify({ key: context.idempotencyKey, target: input.target }),
              })
              return { ok: r.ok }
            },
            catch: (e) =>
              new ConnectorError({
                connector: "bench-effects",
                action: "apply",
                reason: { _tag: "Transport", message: String(e) },
              } as never),
          }),
      }),
    ],
  })
  const watch = new Set((process.env.BENCH_W7_WATCH ?? "").split(",").filter((s) => s !== ""))
  const start = process.env.BENCH_W7_START
  if (start) {
    const { runId } = await riposte.start(crash, { id: start })
    watch.add(runId)
    process.stdout.write(`started ${runId}\n`)
  }
  for (;;) {
    for (const runId of watch) {
      const s = await riposte.status(runId)
      if (s._tag === "Completed" || s._tag === "Failed") {
        process.stdout.write(`done ${runId} ${s._tag}\n`)
        watch.delete(runId)
      }
    }
    if (watch.size === 0 && process.env.BENCH_W7_FINAL) {
      await riposte.close()
      process.exit(0)
    }
    await sleep(20)
  }
}

export const run = async (quick: boolean): Promise<WorkloadResult> => {
  if (process.env.BENCH_W7_LIFE) {
    await life()
    return undefined as never
  }
  const started = performance.now()
  const trials = Number(process.env.BENCH_W7_TRIALS ?? (quick ? 10 : 100))
  const deliveries = new Map<string, number>()
  const keysByTarget = new Map<string, Set<string>>()
  const server = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      const { key, target } = JSON.parse(body) as { key: string; target: string }
      deliveries.set(key, (deliveries.get(key) ?? 0) + 1)
      const keys = keysByTarget.get(target) ?? new Set<string>()
      keys.add(key)
      keysByTarget.set(target, keys)
      // Applied at once, answered 100–300 ms later (a vendor's latency): a kill in between leaves
      // an applied effect whose result the engine never journaled.
      setTimeout(() => res.end("ok"), 100 + Math.random() * 200)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const receiver = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const main = fileURLToPath(new URL("./main.ts", import.meta.url))
  // Lanes run side by side (each its own database and engine processes): a trial is mostly a
  // process start, and the machine has a core per lane.
  const lanes = Number(process.env.BENCH_W7_LANES ?? 2)
  const recoveries: Array<number> = []
  const completed = new Set<string>()
  let killedMidRun = 0
  const lane = async (index: number, count: number) => {
    const dir = tempDir(`w7-${index}`)
    const open = new Map<string, number>() // runId → time of the kill that interrupted it (or NaN)
    const spawnLife = (startId: string | undefined, final: boolean) => {
      const child = spawn(
        process.execPath,
        [...process.execArgv.filter((a) => !a.startsWith("--cpu-prof")), main],
        {
          env: {
            ...process.env,
            BENCH_CHILD: "W7",
            BENCH_W7_LIFE: "1",
            BENCH_W7_DIR: dir.path,
            BENCH_W7_RECEIVER: receiver,
            BENCH_W7_WATCH: [...open.keys()].join(","),
            ...(startId ? { BENCH_W7_START: startId } : {}),
            ...(final ? { BENCH_W7_FINAL: "1" } : {}),
          },
          stdio: ["ignore", "pipe", "inherit"],
        },
      )
      const lines: Array<(line: string) => void> = []
      let buffer = ""
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString()
        for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
          const line = buffer.slice(0, i)
          buffer = buffer.slice(i + 1)
          const [word, runId] = line.split(" ")
          if (word === "done" && runId) {
            const killedAt = open.get(runId)
            if (killedAt !== undefined && !Number.isNaN(killedAt))
              recoveries.push(performance.now() - killedAt)
            open.delete(runId)
            completed.add(runId)
          }
          for (const l of lines) l(line)
        }
      })
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
      return { child, lines, exited }
    }
    try {
      for (let t = 0; t < count; t++) {
        const life = spawnLife(`trial-${index}-${t}`, false)
        const runId = await new Promise<string | undefined>((resolve) => {
          life.lines.push((line) => {
            if (line.startsWith("started ")) resolve(line.split(" ")[1])
          })
          life.exited.then(() => resolve(undefined))
        })
        if (runId !== undefined && !completed.has(runId)) open.set(runId, Number.NaN)
        await sleep(Math.random() * 600)
        const killedAt = performance.now()
        life.child.kill("SIGKILL")
        await life.exited
        for (const [id, at] of open) if (Number.isNaN(at)) open.set(id, killedAt)
        if (runId !== undefined && open.has(runId)) killedMidRun++
      }
      const final = spawnLife(undefined, true)
      await Promise.race([final.exited, sleep(120_000)])
      final.child.kill("SIGKILL")
    } finally {
      dir.remove()
    }
  }
  try {
    await Promise.all(
      Array.from({ length: lanes }, (_, i) =>
        lane(i, Math.floor(trials / lanes) + (i < trials % lanes ? 1 : 0)),
      ),
    )
  } finally {
    server.close()
  }
  const duplicateDeliveries = [...deliveries.values()].filter((n) => n > 1).length
  const duplicateEffects = [...keysByTarget.values()].filter((keys) => keys.size > 1).length
  const missing = trials * 3 - keysByTarget.size
  const W = "W7 crash matrix (SQLite)"
  return {
    workload: "W7",
    title: "SIGKILL at random points, durable SQLite, keyed receiver",
    size: { trials, lanes, killedBeforeCompletion: killedMidRun },
    rows: [
      row(W, "completion rate", completed.size / trials, "fraction", {
        target: { goal: "1.0", met: completed.size === trials },
      }),
      row(W, "duplicate effects at keyed receiver", duplicateEffects, "effects", {
        target: { goal: "0", met: duplicateEffects === 0 },
        note: `${duplicateDeliveries} keys delivered more than once (deduplicated), ${missing} effects missing`,
      }),
      row(W, "recovery time p50 (kill → run completed)", quantile(recoveries, 0.5), "ms"),
      row(W, "recovery time p99", quantile(recoveries, 0.99), "ms"),
    ],
    seconds: since(started) / 1000,
  }
}
