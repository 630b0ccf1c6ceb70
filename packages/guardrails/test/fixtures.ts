import { CaseStoreMemory, Connector, Engine, playbook, policy } from "@riposte/core"
import { Effect, Layer, Schema } from "effect"

/** An EDR: read a host, isolate it (destructive, undoable), lift containment. */
export const Edr = Connector.make("edr", {
  version: "1",
  actions: {
    getHost: Connector.action({
      input: Schema.Struct({ host: Schema.String }),
      output: Schema.Struct({ host: Schema.String, online: Schema.Boolean }),
      kind: "read",
      targets: (i) => [i.host],
    }),
    isolate: Connector.action({
      input: Schema.Struct({ host: Schema.String }),
      output: Schema.Struct({ isolationId: Schema.String }),
      kind: "destructive",
      budget: "host",
      targets: (i) => [i.host],
      undo: "release",
      undoInput: (i, o) => ({ host: i.host, isolationId: o.isolationId }),
    }),
    release: Connector.action({
      input: Schema.Struct({ host: Schema.String, isolationId: Schema.String }),
      output: Schema.Void,
      kind: "write",
      targets: (i) => [i.host],
    }),
  },
})

/** Identity: disable/enable accounts. */
export const Idp = Connector.make("idp", {
  version: "1",
  actions: {
    disableUser: Connector.action({
      input: Schema.Struct({ user: Schema.String }),
      output: Schema.Void,
      kind: "write",
      budget: "account",
      targets: (i) => [i.user],
      undo: "enableUser",
    }),
    enableUser: Connector.action({
      input: Schema.Struct({ user: Schema.String }),
      output: Schema.Void,
      kind: "write",
      targets: (i) => [i.user],
    }),
  },
})

/** Mail: search (read), purge one copy (destructive). DNS: block a domain (write). */
export const Mail = Connector.make("mail", {
  version: "1",
  actions: {
    search: Connector.action({
      input: Schema.Struct({ messageId: Schema.String }),
      output: Schema.Struct({ mailboxes: Schema.Array(Schema.String) }),
      kind: "read",
    }),
    purge: Connector.action({
      input: Schema.Struct({ messageId: Schema.String, mailbox: Schema.String }),
      output: Schema.Struct({ purged: Schema.Boolean }),
      kind: "destructive",
      budget: "mailbox",
      targets: (i) => [i.mailbox],
    }),
  },
})

export const Dns = Connector.make("dns", {
  version: "1",
  actions: {
    blockDomain: Connector.action({
      input: Schema.Struct({ domain: Schema.String }),
      output: Schema.Void,
      kind: "write",
      budget: "indicator",
      targets: (i) => [i.domain],
    }),
  },
})

/** What the mocks saw and the state they hold. */
export interface World {
  readonly calls: Array<{ readonly call: string; readonly input: unknown; readonly key: string }>
  readonly isolated: Set<string>
  readonly disabled: Set<string>
  readonly purged: Array<string>
  readonly blocked: Set<string>
}

export const makeWorld = (): World => ({
  calls: [],
  isolated: new Set(),
  disabled: new Set(),
  purged: [],
  blocked: new Set(),
})

/** Mock implementations that change `world` like the real systems would. */
export const mocks = (world: World, search: Record<string, ReadonlyArray<string>> = {}) => {
  const log = (call: string, input: unknown, key: string) =>
    Effect.sync(() => world.calls.push({ call, input, key }))
  return Layer.mergeAll(
    Connector.layer(Edr, {
      getHost: ({ host }, ctx) =>
        log("edr.getHost", { host }, ctx.idempotencyKey).pipe(Effect.as({ host, online: true })),
      isolate: ({ host }, ctx) =>
        log("edr.isolate", { host }, ctx.idempotencyKey).pipe(
          Effect.andThen(Effect.sync(() => world.isolated.add(host))),
          Effect.as({ isolationId: `iso-${host}` }),
        ),
      release: ({ host, isolationId }, ctx) =>
        log("edr.release", { host, isolationId }, ctx.idempotencyKey).pipe(
          Effect.andThen(Effect.sync(() => void world.isolated.delete(host))),
        ),
    }),
    Connector.layer(Idp, {
      disableUser: ({ user }, ctx) =>
        log("idp.disableUser", { user }, ctx.idempotencyKey).pipe(
          Effect.andThen(Effect.sync(() => void world.disabled.add(user))),
        ),
      enableUser: ({ user }, ctx) =>
        log("idp.enableUser", { user }, ctx.idempotencyKey).pipe(
          Effect.andThen(Effect.sync(() => void world.disabled.delete(user))),
        ),
    }),
    Connector.layer(Mail, {
      search: ({ messageId }, ctx) =>
        log("mail.search", { messageId }, ctx.idempotencyKey).pipe(
          Effect.as({ mailboxes: search[messageId] ?? [] }),
        ),
      purge: ({ messageId, mailbox }, ctx) =>
        log("mail.purge", { messageId, mailbox }, ctx.idempotencyKey).pipe(
          Effect.andThen(Effect.sync(() => world.purged.push(`${mailbox}/${messageId}`))),
          Effect.as({ purged: true }),
        ),
    }),
    Connector.layer(Dns, {
      blockDomain: ({ domain }, ctx) =>
        log("dns.blockDomain", { domain }, ctx.idempotencyKey).pipe(
          Effect.andThen(Effect.sync(() => void world.blocked.add(domain))),
        ),
    }),
  )
}

const auto = policy("contain-automatically", "test policy: containment without a human")

/** Isolates every host of the trigger (one act step, one call per host). */
export const containHosts = playbook("contain-hosts", { version: "1" })
  .trigger(Schema.Struct({ incident: Schema.String, hosts: Schema.Array(Schema.String) }))
  .act("isolate", (ctx) => ctx.trigger.hosts.map((host) => Edr.isolate({ host })), { policy: auto })

/** Disables the trigger's users. */
export const disableUsers = playbook("disable-users", { version: "1" })
  .trigger(Schema.Struct({ incident: Schema.String, users: Schema.Array(Schema.String) }))
  .act("disable", (ctx) => ctx.trigger.users.map((user) => Idp.disableUser({ user })), { policy: auto })

/** An engine on the in-memory workflow engine and case store, with the mocks. */
export const memoryEngine = (
  world: World,
  playbooks: ReadonlyArray<any>,
  search: Record<string, ReadonlyArray<string>> = {},
) =>
  Engine.layerMemory({ playbooks }).pipe(
    Layer.provideMerge(CaseStoreMemory.layer),
    Layer.provide(mocks(world, search)),
  )
