/**
 * The IMAP connector against a REAL Dovecot, installed and started by the repository's own
 * `scripts/dovecot.sh` (loopback, port 10143, maildirs under a temp dir). When Dovecot cannot be
 * installed or started the tests are skipped with the reason printed — except with CI=true,
 * where that is a failure.
 */
import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Connector, ConnectorError } from "@riposte/core"
import { Effect, Exit, Redacted } from "effect"
import { ImapFlow } from "imapflow"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { Imap, ImapClient } from "../src/index.ts"

const script = fileURLToPath(new URL("../../../../scripts/dovecot.sh", import.meta.url))
const dir = process.env.RIPOSTE_DOVECOT_DIR ?? join(tmpdir(), "riposte-dovecot")
const port = Number(process.env.RIPOSTE_DOVECOT_PORT ?? 10143)
const env = { ...process.env, RIPOSTE_DOVECOT_DIR: dir, RIPOSTE_DOVECOT_PORT: String(port) }

interface Users {
  readonly users: Record<string, string>
  readonly master: { readonly user: string; readonly password: string; readonly separator: string }
}
let users: Users | undefined
let unavailable: string | undefined

beforeAll(async () => {
  try {
    await promisify(execFile)("bash", [script, "start"], { env, timeout: 240_000 })
    users = JSON.parse(readFileSync(join(dir, "users.json"), "utf8")) as Users
  } catch (error) {
    const e = error as { stderr?: string; message?: string }
    unavailable = `dovecot could not be started by scripts/dovecot.sh: ${(e.stderr ?? e.message ?? String(error)).trim()}`
    if (process.env.CI === "true") throw new Error(unavailable)
    console.warn(`SKIPPING the IMAP tests: ${unavailable}`)
  }
}, 300_000)

// The server is shared with other runs: every test uses fresh Message-IDs instead of a reset.
afterAll(() => undefined)

const [alice, bob, carol] = ["alice@corp.example", "bob@corp.example", "carol@corp.example"] as const

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "phish",
  step,
  attempt: 1,
})

const masterLayer = () =>
  ImapClient.layer({
    host: "127.0.0.1",
    port,
    tls: "none",
    auth: {
      kind: "master",
      user: users?.master.user ?? "",
      password: Redacted.make(users?.master.password ?? ""),
      separator: users?.master.separator,
    },
    mailboxes: [alice, bob, carol],
    timeoutMillis: 10_000,
  })

const run = <C extends Connector.AnyCall>(call: C, step: string, layer = masterLayer()) =>
  Effect.runPromise(Connector.invoke(call, ctx(step)).pipe(Effect.provide(layer)))
const runExit = <C extends Connector.AnyCall>(call: C, step: string, layer = masterLayer()) =>
  Effect.runPromise(Connector.invoke(call, ctx(step)).pipe(Effect.provide(layer), Effect.exit))
const failureOf = (exit: Exit.Exit<unknown, ConnectorError>) => {
  assert.isTrue(Exit.isFailure(exit), "must fail")
  const reason = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  const error = reason?._tag === "Fail" ? reason.error : undefined
  assert.instanceOf(error, ConnectorError)
  return error as ConnectorError
}

/** Delivers a message with APPEND, logged in as the mailbox owner (per-user credentials). */
const deliver = async (mailbox: string, messageId: string, subject: string, folder = "INBOX") => {
  const client = new ImapFlow({
    host: "127.0.0.1",
    port,
    secure: false,
    doSTARTTLS: false,
    logger: false,
    auth: { user: mailbox, pass: users?.users[mailbox] ?? "" },
  })
  await client.connect()
  try {
    await client.mailboxCreate(folder).catch(() => undefined)
    const raw = [
      "From: Payroll <payroll@evil.example>",
      `To: ${mailbox}`,
      `Subject: ${subject}`,
      `Message-ID: ${messageId}`,
      "Date: Mon, 23 Nov 2026 08:00:00 +0000",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Please confirm your password at https://evil.example/login",
      "",
    ].join("\r\n")
    await client.append(folder, raw)
  } finally {
    await client.logout()
  }
}

/** Where copies of `messageId` are, per mailbox, read directly as each user. */
const locate = async (messageId: string) =>
  run(Imap.searchMessages({ messageId }), `locate-${randomUUID()}`).then((r) =>
    r.messages.map((m) => `${m.mailbox}:${m.folder}`).sort(),
  )

const maybe = (name: string, body: () => Promise<void>) =>
  it(name, async (t) => {
    if (users === undefined) {
      t.skip(unavailable)
      return
    }
    await body()
  }, 60_000)

describe("IMAP connector against a real Dovecot (scripts/dovecot.sh)", () => {
  maybe("search every mailbox, purge to Quarantine, gone from INBOX, undo puts them back", async () => {
    const phish = `<${randomUUID()}@evil.example>`
    const decoy = `<fwd.${phish.slice(1, -1)}.example>${phish}` // SEARCH HEADER matches substrings
    await deliver(alice, phish, "Payroll update")
    await deliver(bob, phish, "Payroll update")
    await deliver(carol, decoy, "Something else")

    const found = await run(Imap.searchMessages({ messageId: phish }), "search")
    assert.deepStrictEqual(found.messages.map((m) => `${m.mailbox}:${m.folder}`).sort(), [
      `${alice}:INBOX`,
      `${bob}:INBOX`,
    ])
    assert.isTrue(found.messages.every((m) => m.subject === "Payroll update" && m.messageId === phish))

    const undoInputs: Array<unknown> = []
    for (const m of found.messages) {
      const input = {
        mailbox: m.mailbox,
        folder: m.folder,
        uid: m.uid,
        uidValidity: m.uidValidity,
        messageId: phish,
      }
      const out = await run(Imap.quarantineMessage(input), `purge-${m.mailbox}`)
      assert.strictEqual(out.folder, "Quarantine")
      assert.isFalse(out.alreadyThere)
      assert.strictEqual(out.previousUid, m.uid)
      undoInputs.push(Imap.actions.quarantineMessage.undoInput?.(input, out))
    }
    assert.deepStrictEqual(
      await locate(phish),
      [`${alice}:Quarantine`, `${bob}:Quarantine`],
      "gone from INBOX",
    )
    assert.deepStrictEqual(await locate(decoy), [`${carol}:INBOX`], "the decoy is untouched")

    for (const [i, input] of undoInputs.entries()) {
      const back = await run(Imap.restoreMessage(input as never), `undo-${i}`)
      assert.strictEqual(back.folder, "INBOX")
    }
    assert.deepStrictEqual(await locate(phish), [`${alice}:INBOX`, `${bob}:INBOX`], "back in INBOX")
  })

  maybe("a replayed purge (first reply lost) moves once and returns the same message", async () => {
    const phish = `<${randomUUID()}@evil.example>`
    await deliver(alice, phish, "Invoice")
    const [m] = (await run(Imap.searchMessages({ messageId: phish, mailboxes: [alice] }), "s")).messages
    assert.isDefined(m)
    const input = {
      mailbox: alice,
      folder: "INBOX",
      uid: m?.uid ?? 0,
      uidValidity: m?.uidValidity,
      messageId: phish,
    }
    const first = await run(Imap.quarantineMessage(input), "purge")
    const replay = await run(Imap.quarantineMessage(input), "purge")
    assert.deepStrictEqual({ ...replay, alreadyThere: false }, first)
    assert.isTrue(replay.alreadyThere)
    assert.deepStrictEqual(await locate(phish), [`${alice}:Quarantine`], "exactly one copy, in Quarantine")

    // Without the Message-ID a replay cannot reconcile: NotFound, and nothing else moves.
    const { messageId: _, ...bare } = input
    assert.strictEqual(
      failureOf(await runExit(Imap.quarantineMessage(bare), "purge-bare")).reason._tag,
      "NotFound",
    )
    // A message already in Quarantine is not moved again.
    const inPlace = await run(
      Imap.quarantineMessage({ mailbox: alice, folder: "Quarantine", uid: first.uid }),
      "purge-in-place",
    )
    assert.isTrue(inPlace.alreadyThere)
    assert.strictEqual(inPlace.uid, first.uid)
  })

  maybe("a changed UIDVALIDITY is a Conflict, not a move of another message", async () => {
    const phish = `<${randomUUID()}@evil.example>`
    await deliver(bob, phish, "Invoice")
    const [m] = (await run(Imap.searchMessages({ messageId: phish, mailboxes: [bob] }), "s")).messages
    const stale = { mailbox: bob, folder: "INBOX", uid: m?.uid ?? 0, uidValidity: "1" }
    assert.notStrictEqual(m?.uidValidity, "1")
    assert.strictEqual(
      failureOf(await runExit(Imap.quarantineMessage(stale), "purge")).reason._tag,
      "Conflict",
    )
    assert.deepStrictEqual(await locate(phish), [`${bob}:INBOX`])
  })

  maybe("per-mailbox credentials work; a wrong password is Unauthorized and leaks nothing", async () => {
    const phish = `<${randomUUID()}@evil.example>`
    await deliver(carol, phish, "Hello")
    const perMailbox = ImapClient.layer({
      host: "127.0.0.1",
      port,
      tls: "none",
      auth: {
        kind: "perMailbox",
        passwords: Object.fromEntries(
          Object.entries(users?.users ?? {}).map(([k, v]) => [k, Redacted.make(v)]),
        ),
      },
    })
    const found = await run(Imap.searchMessages({ messageId: phish }), "s", perMailbox)
    assert.deepStrictEqual(
      found.messages.map((x) => x.mailbox),
      [carol],
    )

    const wrong = "wrong-password-planted-7c1d"
    const bad = ImapClient.layer({
      host: "127.0.0.1",
      port,
      tls: "none",
      auth: { kind: "perMailbox", passwords: { [carol]: Redacted.make(wrong) } },
    })
    const error = failureOf(await runExit(Imap.searchMessages({ messageId: phish }), "s", bad))
    assert.strictEqual(error.reason._tag, "Unauthorized")
    assert.isFalse(JSON.stringify(error).includes(wrong) || String(error).includes(wrong))
  })
})

describe("IMAP connector configuration (no server needed)", () => {
  it("refuses cleartext to a non-loopback host before connecting", async () => {
    const layer = ImapClient.layer({
      host: "imap.corp.example",
      tls: "none",
      auth: { kind: "perMailbox", passwords: { [alice]: Redacted.make("x") } },
    })
    const error = failureOf(await runExit(Imap.searchMessages({ messageId: "<a@b.example>" }), "s", layer))
    assert.strictEqual(error.reason._tag, "Refused")
  })

  it("rejects junk input before connecting (header injection, bad UIDs)", async () => {
    const layer = ImapClient.layer({ host: "192.0.2.1", auth: { kind: "perMailbox", passwords: {} } })
    const junk = [
      Imap.searchMessages({ messageId: "<a@b>\r\nX-Injected: 1" }),
      Imap.quarantineMessage({ mailbox: alice, folder: "INBOX", uid: 0 }),
      Imap.quarantineMessage({ mailbox: "bob*admin", folder: "INBOX", uid: 1 }),
    ]
    for (const call of junk) {
      // Connector.invoke decodes with the definition first; the handler decodes again.
      const exit = await Effect.runPromise(
        Effect.flatMap(Imap.service, (impl) =>
          (impl.handlers[call.action] ?? (() => Effect.die("no handler")))(call.input, ctx("junk")),
        ).pipe(Effect.provide(layer), Effect.exit),
      )
      assert.strictEqual(failureOf(exit).reason._tag, "InvalidInput")
    }
  })
})
