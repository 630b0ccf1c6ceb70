/**
 * Throughput of the SQL case store against the same-run floor of the in-memory store
 * (`CaseStoreMemory`). Each "run" is what a phishing playbook writes: open a case with an
 * alert (dedup lookup included), 5 enrichments, 3 observables, request an approval, decide it,
 * 2 actions, a status update: 12 operations, each in its own `sql.withTransaction` as the
 * engine's journaled activities do.
 *
 *   npm run throughput -w @riposte/case-store -- --runs 2000 --rounds 3 --dialect all
 *
 * SQLite: a temp file (WAL, synchronous=FULL) through `@riposte/sql-sqlite`, under `--sqlite-dir`
 * (default the OS temp dir; `/dev/shm` takes fsync out of the picture to compare CPU costs). Postgres: a fresh
 * database on `--url` (default postgres://postgres@127.0.0.1:5432/test), dropped afterwards.
 * Prints the median round: runs/s, operations/s, wall and CPU (this process) µs per run, and
 * the store's statements per run (BEGIN/COMMIT not counted). Nothing here is asserted.
 */
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { PgClient } from "@effect/sql-pg"
import { type CaseStore, CaseStoreMemory } from "@riposte/core"
import { SqliteClient } from "@riposte/sql-sqlite"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as SqlCaseStore from "../src/SqlCaseStore.ts"

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    warmup: { type: "string", default: "300" },
    rounds: { type: "string", default: "3" },
    dialect: { type: "string", default: "all" },
    url: { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    "sqlite-dir": { type: "string", default: tmpdir() },
    breakdown: { type: "boolean", default: false },
  },
})
const runs = Number(values.runs)
const warmup = Number(values.warmup)
const rounds = Number(values.rounds)
const dialects = values.dialect === "all" ? ["memory", "sqlite", "postgres"] : values.dialect.split(",")

const OPS_PER_RUN = 12
const user = { kind: "user", id: "alice" } as const
const playbookActor = { kind: "playbook", id: "phish" } as const

/** Wall time per operation name (microseconds), for `--breakdown`. */
const perOp = new Map<string, number>()

/** One playbook run's writes; `tx` wraps each operation like a journaled activity. */
const oneRun = (
  store: CaseStore.CaseStoreShape,
  tx: <A, E>(self: Effect.Effect<A, E>) => Effect.Effect<A, E | unknown>,
  i: number,
) => {
  const timed = <A, E>(name: string, self: Effect.Effect<A, E>) =>
    Effect.suspend(() => {
      const started = performance.now()
      return Effect.tap(tx(self), () =>
        Effect.sync(() => perOp.set(name, (perOp.get(name) ?? 0) + (performance.now() - started) * 1000)),
      )
    })
  return Effect.gen(function* () {
    const runId = `run-${i}-${randomUUID()}`
    const { case: c } = yield* timed(
      "open",
      store.open(
        {
          title: `Suspicious mail ${i}`,
          severity: "medium",
          playbook: "phishing",
          playbookVersion: "1.0.0",
          runId,
          dedupKey: `phishing:${runId}`,
          alert: {
            messageId: `<${runId}@mail.example>`,
            from: "attacker@evil.example",
            subject: "Your invoice",
            urls: ["https://evil.example/login", "https://cdn.example/x.png"],
          },
        },
        { actor: playbookActor },
      ),
    )
    for (let e = 0; e < 5; e++) {
      yield* timed(
        "addEnrichment",
        store.addEnrichment({
          caseId: c.id,
          observable: "https://evil.example/login",
          connector: "virustotal",
          action: "urlReport",
          resultRef: `${runId}/intel/${e}`,
          verdict: e === 0 ? "malicious" : "unknown",
          score: e === 0 ? 0.9 : null,
          summary: e === 0 ? "12/90 engines" : null,
        }),
      )
    }
    yield* timed(
      "addObservables",
      store.addObservables(c.id, [
        { type: "url", raw: "hxxps://evil[.]example/login", source: "mail", verdict: "malicious" },
        { type: "domain", raw: "evil.example", source: "mail" },
        { type: "email", raw: "attacker@evil.example", source: "mail" },
      ]),
    )
    const approvalId = randomUUID()
    yield* timed(
      "requestApproval",
      store.requestApproval({
        id: approvalId,
        caseId: c.id,
        runId,
        gate: "malicious/purge",
        summary: "Quarantine 3 copies",
        payloadHash: "p".repeat(64),
        decision: "pending",
        approvers: [],
        roles: ["soc-lead"],
        quorum: 1,
        requester: "phishing",
        comment: null,
        requestedAt: 0,
        decidedAt: null,
        expiresAt: 4 * 60 * 60 * 1000,
      }),
    )
    yield* timed(
      "decideApproval",
      store.decideApproval(approvalId, { decision: "approved", approvers: ["bob"], comment: "ok" }),
    )
    for (let a = 0; a < 2; a++) {
      yield* timed(
        "recordAction",
        store.recordAction({
          caseId: c.id,
          stepPath: `malicious/quarantine/${a}`,
          connector: "graph-mail",
          action: "quarantineMessage",
          kind: "destructive",
          inputHash: "h".repeat(64),
          input: { mailbox: `user${a}@corp.example`, id: `msg-${a}` },
          outputSummary: "quarantined",
          status: "succeeded",
          idempotencyKey: `${runId}/malicious/quarantine/${a}`,
          approvalRef: approvalId,
          actor: playbookActor,
          undo: {
            connector: "graph-mail",
            action: "releaseMessage",
            input: { mailbox: `user${a}@corp.example`, id: `msg-${a}` },
          },
        }),
      )
    }
    yield* timed("update", store.update(c.id, { status: "contained", severity: "high" }, user))
  })
}

interface Round {
  readonly wallMs: number
  readonly cpuMs: number
  readonly statements: number
}

/** Runs `count` runs sequentially; returns wall and CPU time and the statements issued. */
const measure = (
  store: CaseStore.CaseStoreShape,
  tx: <A, E>(self: Effect.Effect<A, E>) => Effect.Effect<A, E | unknown>,
  counter: { n: number },
  offset: number,
  count: number,
) =>
  Effect.gen(function* () {
    const statements = counter.n
    const cpu = process.cpuUsage()
    const started = performance.now()
    for (let i = 0; i < count; i++) yield* oneRun(store, tx, offset + i)
    const wallMs = performance.now() - started
    const used = process.cpuUsage(cpu)
    return { wallMs, cpuMs: (used.user + used.system) / 1000, statements: counter.n - statements } as Round
  })

/** A `SqlClient` that counts the statements the store sends through `unsafe`. */
const counting = (client: SqlClient.SqlClient, counter: { n: number }): SqlClient.SqlClient =>
  Object.assign(Object.create(client) as SqlClient.SqlClient, {
    unsafe: (sql: string, params?: ReadonlyArray<unknown>) => {
      counter.n++
      return client.unsafe(sql, params)
    },
  })

const bench = (
  name: string,
  store: CaseStore.CaseStoreShape,
  tx: <A, E>(self: Effect.Effect<A, E>) => Effect.Effect<A, E | unknown>,
  counter: { n: number },
) =>
  Effect.gen(function* () {
    yield* measure(store, tx, counter, 0, warmup)
    perOp.clear()
    const results: Array<Round> = []
    for (let r = 0; r < rounds; r++) results.push(yield* measure(store, tx, counter, warmup + r * runs, runs))
    const median = [...results].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(results.length / 2)] as Round
    report(name, median)
  })

const report = (name: string, r: Round) => {
  const perRun = (ms: number) => ((ms * 1000) / runs).toFixed(0).padStart(6)
  console.log(
    `${name.padEnd(9)} ${((runs / r.wallMs) * 1000).toFixed(0).padStart(6)} runs/s ` +
      `${(((runs * OPS_PER_RUN) / r.wallMs) * 1000).toFixed(0).padStart(7)} ops/s ` +
      `${perRun(r.wallMs)} µs/run wall ${perRun(r.cpuMs)} µs/run CPU ` +
      `${(r.statements / runs).toFixed(1).padStart(5)} statements/run`,
  )
  if (values.breakdown) {
    const total = runs * rounds
    for (const [op, us] of [...perOp.entries()].sort((a, b) => b[1] - a[1])) {
      console.log(`            ${op.padEnd(16)} ${(us / total).toFixed(0).padStart(6)} µs/run`)
    }
  }
  perOp.clear()
}

/** Migrates, builds the store over a counting client and benchmarks it. */
const sqlBench = (name: string, dialect: "sqlite" | "postgres") =>
  Effect.gen(function* () {
    const client = yield* SqlClient.SqlClient
    yield* SqlCaseStore.migrate({ dialect })
    const counter = { n: 0 }
    const store = yield* SqlCaseStore.make({ dialect }).pipe(
      Effect.provideService(SqlClient.SqlClient, counting(client, counter)),
    )
    yield* bench(name, store, client.withTransaction, counter)
  })

const memory = Effect.gen(function* () {
  const store = yield* CaseStoreMemory.make
  yield* bench("memory", store, (self) => self, { n: 0 })
})

const sqlite = Effect.suspend(() => {
  const dir = mkdtempSync(join(values["sqlite-dir"], "riposte-case-store-"))
  return sqlBench("sqlite", "sqlite").pipe(
    Effect.provide(SqliteClient.layer({ filename: join(dir, "cases.db") })),
    Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true }))),
  )
})

const postgres = Effect.gen(function* () {
  const base = new URL(values.url)
  const database = `riposte_throughput_${randomUUID().replaceAll("-", "").slice(0, 12)}`
  const admin = (statement: string) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(statement)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(base.href), maxConnections: 1 })))
  yield* Effect.acquireRelease(admin(`create database ${database}`), () =>
    Effect.orDie(admin(`drop database if exists ${database} with (force)`)),
  )
  const url = new URL(base.href)
  url.pathname = `/${database}`
  yield* sqlBench("postgres", "postgres").pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(url.href) })),
  )
}).pipe(Effect.scoped)

console.log(
  `${runs} runs × ${OPS_PER_RUN} operations per round, median of ${rounds} rounds after ${warmup} ` +
    `warm-up runs, ${availableParallelism()} cores, Node ${process.version}`,
)
const benches = { memory, sqlite, postgres } as Record<string, Effect.Effect<void, unknown>>
await Effect.runPromise(
  Effect.forEach(dialects, (d) => benches[d] ?? Effect.die(`unknown dialect ${d}`), { discard: true }),
)
