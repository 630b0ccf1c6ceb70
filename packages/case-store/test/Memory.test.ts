import { CaseStoreMemory } from "@riposte/core"
import * as CaseStoreSuite from "../src/CaseStoreSuite.ts"

CaseStoreSuite.suite("memory", CaseStoreMemory.layer)
