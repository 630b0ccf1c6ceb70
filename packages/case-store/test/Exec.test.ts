import { assert, describe, it } from "@effect/vitest"
import { sql } from "kysely"
import * as Database from "../src/Database.ts"
import * as Exec from "../src/internal/Exec.ts"

const db = Database.builder("postgres")

describe("Exec.prepare", () => {
  it("binds values by name in the compiled order, keeps the query's own values, binds undefined as null", () => {
    const q = Exec.prepare(["id", "since"], (p: { id: string; since: number }) =>
      db
        .selectFrom("riposte_cases")
        .select("id")
        .where("created_at", ">=", p.since)
        .where("status", "<>", "closed")
        .where("id", "=", p.id)
        .limit(1),
    )
    assert.strictEqual(
      q.sql,
      'select "id" from "riposte_cases" where "created_at" >= $1 and "status" <> $2 and "id" = $3 limit $4',
    )
    assert.deepStrictEqual(q.bind({ id: "c-1", since: 5 }), [5, "closed", "c-1", 1])
    assert.deepStrictEqual(q.bind({ id: undefined as never, since: 5 }), [5, "closed", null, 1])
  })

  it("a key used twice is bound twice; a key the query does not use is an error", () => {
    const twice = Exec.prepare(["id"], (p: { id: string }) => ({
      compile: () => sql`select ${p.id} as a, ${p.id} as b`.compile(db),
    }))
    assert.deepStrictEqual(twice.bind({ id: "x" }), ["x", "x"])
    assert.throws(
      () =>
        Exec.prepare(["id", "title"], (p: { id: string; title: string }) =>
          db.selectFrom("riposte_cases").select("id").where("id", "=", p.id),
        ),
      /does not bind 'title'/,
    )
  })

  it("multi-row statements bind each row's values, and only the prepared number of rows", () => {
    const q = Exec.prepareRows(2, ["case_id", "at", "author", "text"], (rows) =>
      db.insertInto("riposte_case_notes").values([...rows] as Array<Database.NotesTable>),
    )
    assert.deepStrictEqual(
      q.bind([
        { case_id: "a", at: 1, author: "x", text: "t1" },
        { case_id: "b", at: 2, author: "y", text: "t2" },
      ]),
      ["a", 1, "x", "t1", "b", 2, "y", "t2"],
    )
    assert.throws(() => q.bind([{ case_id: "a", at: 1, author: "x", text: "t1" }]), /prepared for 2 rows/)
  })
})
