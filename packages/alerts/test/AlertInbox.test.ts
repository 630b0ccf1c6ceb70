import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as AlertInbox from "../src/AlertInbox.ts"
import * as Suite from "./AlertInboxSuite.ts"
import { Pg, reachable } from "./Postgres.ts"

Suite.suite("memory", AlertInbox.layerMemory)

describe.skipIf(!reachable)("SQL inbox on Postgres", () => {
  Suite.suite("sql/postgres", AlertInbox.layerSql.pipe(Layer.provide(Pg)))

  it.effect("migrate is idempotent and creates both tables", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* AlertInbox.migrate
      yield* AlertInbox.migrate
      const tables = yield* sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables
        WHERE table_name IN ('riposte_alert_inbox', 'riposte_alert_quarantine') ORDER BY table_name`
      assert.deepStrictEqual(
        tables.map((t) => t.table_name),
        ["riposte_alert_inbox", "riposte_alert_quarantine"],
      )
    }).pipe(Effect.provide(Pg)),
  )

  it.effect("rows are read back from the database by a separately built inbox layer", () =>
    Effect.gen(function* () {
      const alert = Suite.sampleAlert()
      const accepted = yield* AlertInbox.AlertInbox.use((i) => i.accept(alert)).pipe(
        Effect.provide(AlertInbox.layerSql.pipe(Layer.provide(Pg))),
      )
      const rows = yield* AlertInbox.AlertInbox.use((i) => i.list).pipe(
        Effect.provide(AlertInbox.layerSql.pipe(Layer.provide(Pg))),
      )
      assert.strictEqual(rows.find((r) => r.dedupKey === alert.dedupKey)?.alertId, accepted.alertId)
    }),
  )
})
