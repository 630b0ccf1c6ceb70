import { assert, describe, it } from "@effect/vitest"
import { Test } from "@riposte/testing"
import { Effect } from "effect"
import { phishing } from "../src/playbook.ts"
import { report } from "./emails.ts"
import { mocks } from "./mocks.ts"

describe("kit", () => {
  it.live("timing", () =>
    Effect.gen(function* () {
      const m = mocks({ malicious: ["mylinx.us"] })
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now()
        const result = yield* Test.run(phishing, report("sample-2151.eml"), {
          connectors: m.layer,
          approvals: { "purge-approval": Test.approve("alice", { roles: ["soc-lead"] }) },
        })
        console.log(
          Date.now() - t0,
          result.status,
          result.path,
          String(result.error),
          result.case?.notes.map((n) => n.text),
        )
      }
      assert.isTrue(true)
    }),
  )
})
