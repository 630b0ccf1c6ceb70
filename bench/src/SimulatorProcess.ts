/**
 * The vendor simulators in their own process, as real vendors are: their HTTP serving and
 * JSON building does not share the engine's event loop (the machine's second core runs them).
 * The parent seeds and inspects them over IPC.
 */
import { type ChildProcess, fork } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Simulator } from "@riposte/simulators"

type Request =
  | {
      readonly op: "seedMail"
      readonly mailbox: string
      readonly messages: ReadonlyArray<{ internetMessageId: string; subject?: string }>
    }
  | {
      readonly op: "reputation"
      readonly value: string
      readonly verdict: "malicious" | "suspicious" | "benign"
    }
  | { readonly op: "calls" }
  | { readonly op: "duplicateKeys" }

export interface Remote {
  readonly urlOf: (vendor: Simulator.Vendor) => string
  readonly seedMail: (
    mailbox: string,
    messages: ReadonlyArray<{ internetMessageId: string; subject?: string }>,
  ) => Promise<void>
  readonly setReputation: (value: string, verdict: "malicious" | "suspicious" | "benign") => Promise<void>
  readonly calls: () => Promise<Readonly<Record<string, number>>>
  readonly duplicateKeys: () => Promise<Readonly<Record<string, number>>>
  readonly close: () => Promise<void>
}

/** Starts the simulators (every vendor) in a child process. */
export const start = (options: {
  readonly latency: { minMillis: number; maxMillis: number }
}): Promise<Remote> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ["--conditions=@riposte/source"],
      env: { ...process.env, BENCH_SIM_CHILD: JSON.stringify(options) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    })
    const pending = new Map<number, (value: unknown) => void>()
    let next = 0
    const ask = <A>(request: Request): Promise<A> =>
      new Promise((done) => {
        const id = next++
        pending.set(id, done as (value: unknown) => void)
        child.send({ id, ...request })
      })
    child.once("error", reject)
    child.on("message", (message: { id?: number; ready?: string; value?: unknown }) => {
      if (message.ready !== undefined) {
        const root = message.ready
        resolve({
          urlOf: (vendor) => `${root}/${vendor}`,
          seedMail: (mailbox, messages) => ask({ op: "seedMail", mailbox, messages }),
          setReputation: (value, verdict) => ask({ op: "reputation", value, verdict }),
          calls: () => ask({ op: "calls" }),
          duplicateKeys: () => ask({ op: "duplicateKeys" }),
          close: () =>
            new Promise((done) => {
              child.once("exit", () => done())
              child.kill("SIGTERM")
            }),
        })
        return
      }
      const done = message.id === undefined ? undefined : pending.get(message.id)
      if (done !== undefined) {
        pending.delete(message.id!)
        done(message.value)
      }
    })
  })

if (process.env.BENCH_SIM_CHILD !== undefined && process.send !== undefined) {
  const options = JSON.parse(process.env.BENCH_SIM_CHILD) as Parameters<typeof start>[0]
  const sim = await Simulator.startAll({ latency: options.latency })
  process.on("message", (message: { id: number } & Request) => {
    const reply = (value: unknown) => process.send!({ id: message.id, value })
    switch (message.op) {
      case "seedMail":
        sim.mail.seed(message.mailbox, message.messages)
        return reply(null)
      case "reputation":
        sim.reputation.set(message.value, message.verdict)
        return reply(null)
      case "calls":
        return reply(sim.calls())
      case "duplicateKeys":
        return reply(sim.duplicateKeys())
    }
  })
  process.on("SIGTERM", () => void sim.close().then(() => process.exit(0)))
  process.send({ ready: sim.url })
}
