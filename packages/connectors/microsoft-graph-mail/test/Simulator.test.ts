import { assert, describe, it } from "@effect/vitest"
import { Connector, ConnectorError } from "@riposte/core"
import { Simulator } from "@riposte/simulators"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { GraphMail, GraphMailHttp } from "../src/index.ts"

const ctx = (step: string): Connector.CallContext => ({
  idempotencyKey: `run-1/${step}`,
  runId: "run-1",
  playbook: "phish",
  step,
  attempt: 1,
})

const layerFor = (sim: Simulator.Handle, extra: Partial<GraphMailHttp.Config> = {}) =>
  GraphMailHttp.layer({
    tenantId: "corp.onmicrosoft.com",
    clientId: "11111111-2222-3333-4444-555555555555",
    clientSecret: Redacted.make("graph-test-secret"),
    baseUrl: sim.urlOf("graph"),
    authorityUrl: sim.urlOf("graph"),
    rateLimit: false,
    ...extra,
  })

/** One layer (one token cache) per simulator and settings, as an application would build it. */
const layers = new WeakMap<Simulator.Handle, ReturnType<typeof layerFor>>()
const invoke = <C extends Connector.AnyCall>(
  sim: Simulator.Handle,
  call: C,
  step: string,
  extra: Partial<GraphMailHttp.Config> = {},
) => {
  const layer = Object.keys(extra).length > 0 ? layerFor(sim, extra) : (layers.get(sim) ?? layerFor(sim))
  if (Object.keys(extra).length === 0) layers.set(sim, layer)
  return Connector.invoke(call, ctx(step)).pipe(Effect.provide(layer))
}

const phish = "<o'brien-1@evil.example>"
const folders = (sim: Simulator.Handle, mailbox: string) =>
  sim.mail
    .mailbox(mailbox)
    .filter((m) => m.internetMessageId === phish)
    .map((m) => m.parentFolderId)

const seed = (sim: Simulator.Handle) => {
  sim.mail.seed("alice@corp.example", [
    { internetMessageId: phish, subject: "Invoice" },
    { internetMessageId: "<ok@corp.example>" },
  ])
  sim.mail.seed("bob@corp.example", [{ internetMessageId: phish, subject: "Invoice", folder: "archive" }])
  sim.mail.seed("carol@corp.example", [{ internetMessageId: "<other@corp.example>" }])
}

describe("Microsoft Graph mail against the simulator", () => {
  it.live("search every mailbox (quote escaped), purge, undo restores the original state", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["graph"] })
      seed(sim)
      const found = yield* invoke(sim, GraphMail.searchMessages({ internetMessageId: phish }), "search")
      assert.deepStrictEqual(found.messages.map((m) => m.mailbox).sort(), [
        "alice@corp.example",
        "bob@corp.example",
      ])
      assert.isTrue(found.messages.every((m) => m.internetMessageId === phish && m.subject === "Invoice"))

      const def = GraphMail.actions.quarantineMessage
      const undone: Array<unknown> = []
      for (const m of found.messages) {
        const input = { mailbox: m.mailbox, id: m.id, internetMessageId: phish }
        const out = yield* invoke(sim, GraphMail.quarantineMessage(input), `purge-${m.mailbox}`)
        assert.strictEqual(out.previousId, m.id)
        assert.notStrictEqual(out.id, m.id, "Graph gives a moved message a new id")
        undone.push(def.undoInput?.(input, out))
      }
      assert.deepStrictEqual(folders(sim, "alice@corp.example"), ["recoverableitemsdeletions"])
      assert.deepStrictEqual(folders(sim, "bob@corp.example"), ["recoverableitemsdeletions"])
      assert.strictEqual(
        sim.mail.mailbox("alice@corp.example")[1]?.parentFolderId,
        "inbox",
        "other mail untouched",
      )

      for (const [i, input] of undone.entries()) {
        yield* invoke(sim, GraphMail.restoreMessage(input as never), `undo-${i}`)
      }
      assert.deepStrictEqual(folders(sim, "alice@corp.example"), ["inbox"])
      // Restore goes to the inbox (bob's copy was in "archive": documented, `folder` overrides).
      assert.deepStrictEqual(folders(sim, "bob@corp.example"), ["inbox"])
      assert.strictEqual(sim.mail.tokensIssued(), 1, "one token for every call of the layer")
      assert.strictEqual(sim.calls()["GET /graph/v1.0/users"], 1)
    }),
  )

  it.live(
    "a replayed quarantine (same key, first reply lost) applies once and returns the same message",
    () =>
      Effect.gen(function* () {
        const sim = yield* Simulator.scoped({ vendors: ["graph"] })
        seed(sim)
        const [message] = sim.mail.mailbox("alice@corp.example")
        const input = { mailbox: "alice@corp.example", id: message?.id ?? "", internetMessageId: phish }
        const first = yield* invoke(sim, GraphMail.quarantineMessage(input), "purge")
        const again = yield* invoke(sim, GraphMail.quarantineMessage(input), "purge")
        assert.deepStrictEqual(again, first)
        assert.deepStrictEqual(folders(sim, "alice@corp.example"), ["recoverableitemsdeletions"])
        assert.strictEqual(sim.mail.mailbox("alice@corp.example")[0]?.id, first.id, "moved exactly once")
        assert.strictEqual(
          sim.calls()["POST /graph/v1.0/users/:user/messages/:id/move"],
          2,
          "the replay's move 404s",
        )

        // Without the Message-ID the replay cannot be reconciled: it says NotFound, never moves twice.
        const bare = yield* Effect.flip(
          invoke(sim, GraphMail.quarantineMessage({ mailbox: input.mailbox, id: input.id }), "purge-bare"),
        )
        assert.instanceOf(bare, ConnectorError)
        assert.strictEqual(bare.reason._tag, "NotFound")
        assert.strictEqual(sim.mail.mailbox("alice@corp.example")[0]?.id, first.id)
      }),
  )

  it.live("a message already in the quarantine folder is not moved", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["graph"] })
      const [m] = sim.mail.seed("alice@corp.example", [{ internetMessageId: phish, folder: "quarantine" }])
      const out = yield* invoke(
        sim,
        GraphMail.quarantineMessage({ mailbox: "alice@corp.example", id: m?.id ?? "" }),
        "purge",
        { quarantineFolder: "quarantine" },
      )
      assert.deepStrictEqual(out, { mailbox: "alice@corp.example", id: m?.id, previousId: m?.id })
      assert.isUndefined(sim.calls()["POST /graph/v1.0/users/:user/messages/:id/move"])
    }),
  )

  it.live("a named mailbox that does not exist is NotFound; sendMail reaches the outbox", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["graph"] })
      seed(sim)
      const missing = yield* Effect.flip(
        invoke(
          sim,
          GraphMail.searchMessages({ internetMessageId: phish, mailboxes: ["nobody@corp.example"] }),
          "s",
        ),
      )
      assert.strictEqual(missing.reason._tag, "NotFound")
      const sent = yield* invoke(
        sim,
        GraphMail.sendMail({
          from: "soc@corp.example",
          to: "alice@corp.example",
          subject: "Removed",
          body: "We removed it.",
        }),
        "notify",
      )
      assert.isTrue(sent.sent)
      assert.deepStrictEqual(sim.mail.sent(), [
        { from: "soc@corp.example", to: ["alice@corp.example"], subject: "Removed", body: "We removed it." },
      ])
    }),
  )

  it.effect("the token is cached until shortly before it expires", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.scoped({ vendors: ["graph"] })
      seed(sim)
      const graph = yield* GraphMail.service.pipe(
        Effect.provide(layerFor(sim, { mailboxes: ["alice@corp.example"] })),
      )
      const search = graph.handlers.searchMessages ?? (() => Effect.die("no handler"))
      yield* search({ internetMessageId: phish }, ctx("a"))
      yield* search({ internetMessageId: phish }, ctx("b"))
      assert.strictEqual(sim.mail.tokensIssued(), 1)
      yield* TestClock.adjust(3599_000 - 60_000 - 1)
      yield* search({ internetMessageId: phish }, ctx("c"))
      assert.strictEqual(sim.mail.tokensIssued(), 1)
      yield* TestClock.adjust(1)
      yield* search({ internetMessageId: phish }, ctx("d"))
      assert.strictEqual(sim.mail.tokensIssued(), 2, "refreshed 60 s before expiry")
    }),
  )
})
