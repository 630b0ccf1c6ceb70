import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import { Analysis, Email, EmailError, ParsedEmail } from "../src/index.ts"
import { type Folder, list, read } from "./corpus.ts"

const folders: ReadonlyArray<readonly [Folder, number]> = [
  ["phishing", 45],
  ["ham", 12],
  ["malformed", 11],
]

describe("corpus", () => {
  for (const [folder, expected] of folders) {
    it.live(
      `every ${folder} sample parses in the worker or fails with a typed EmailError`,
      () =>
        Effect.gen(function* () {
          const names = list(folder)
          assert.strictEqual(names.length, expected)
          const exits = yield* Effect.forEach(
            names,
            (name) => Effect.exit(Email.analyze(read(folder, name))),
            {
              concurrency: 4,
            },
          )
          for (const [i, exit] of exits.entries()) {
            if (Exit.isSuccess(exit)) {
              // Journal-safe: a JSON round trip decodes with the published schema.
              const json = JSON.parse(JSON.stringify(exit.value))
              assert.deepStrictEqual(Schema.decodeUnknownSync(Analysis.Analysis)(json), exit.value)
            } else {
              const error = Exit.findErrorOption(exit)
              assert.isTrue(error._tag === "Some" && error.value instanceof EmailError.EmailError, names[i])
            }
          }
          // The corpus is real mail: none of it should hit the default limits.
          assert.isTrue(
            exits.every(Exit.isSuccess),
            `${folder}: ${exits.filter(Exit.isFailure).length} failed`,
          )
        }),
      60_000,
    )
  }

  it.live("ParsedEmail (bodies, nested messages) is JSON data that decodes with its schema", () =>
    Effect.gen(function* () {
      const parsed = yield* Email.parse(read("phishing", "sample-2590.eml"))
      const json = JSON.parse(JSON.stringify(parsed))
      assert.deepStrictEqual(Schema.decodeUnknownSync(ParsedEmail.ParsedEmail)(json), parsed)
    }),
  )
})
