import { SqliteClient } from "@riposte/sql-sqlite"
import { Layer } from "effect"
import * as CaseStoreSuite from "../src/CaseStoreSuite.ts"
import * as SqlCaseStore from "../src/SqlCaseStore.ts"
import { sqlSuite } from "./SqlSuite.ts"

// A fresh private in-memory database per test.
const client = () => SqliteClient.layer({ filename: ":memory:" })

CaseStoreSuite.suite(
  "sqlite",
  Layer.mergeAll(
    SqlCaseStore.layer({ dialect: "sqlite" }),
    Layer.effectDiscard(SqlCaseStore.migrate({ dialect: "sqlite" })),
  ).pipe(Layer.provide(client())),
)

sqlSuite("sqlite", "sqlite", client())
