/**
 * Property-based fuzzing of the parser entry point. The bulk goes through `extract` in-process
 * (the exact function the worker runs); a smaller share goes through the worker via Email.parse.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import fc from "fast-check"
import { Email, EmailError, Limits, ParsedEmail } from "../src/index.ts"
import { extract } from "../src/internal/Extract.ts"
import { list, read } from "./corpus.ts"
import { deepMessages, deepMultipart } from "./mime.ts"

// Small samples keep 10,000 runs fast; big attachments add time, not coverage of the parser.
const seeds: ReadonlyArray<Uint8Array> = (["phishing", "ham", "malformed"] as const)
  .flatMap((folder) => list(folder).map((name) => read(folder, name)))
  .filter((b) => b.length <= 24_000)

const limits = Limits.make({ maxQrImages: 2 })
const isReason = Schema.is(EmailError.Reason)
const isParsed = Schema.is(ParsedEmail.ParsedEmail)

const check = async (raw: Uint8Array | string): Promise<void> => {
  const result = await extract(raw, limits)
  if (result._tag === "Success") assert.isTrue(isParsed(result.value))
  else assert.isTrue(isReason(result.reason), JSON.stringify(result.reason))
}

const seed = fc.integer({ min: 0, max: seeds.length - 1 }).map((i) => seeds[i]!)

const flipped = fc
  .tuple(
    seed,
    fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 32,
    }),
  )
  .map(([bytes, flips]) => {
    const out = Uint8Array.from(bytes)
    for (const [at, value] of flips) out[Math.min(out.length - 1, Math.floor(at * out.length))] = value
    return out
  })

const truncated = fc
  .tuple(seed, fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([bytes, at]) => bytes.subarray(0, Math.floor(at * bytes.length)))

const duplicatedHeader = fc
  .tuple(seed, fc.nat(), fc.integer({ min: 2, max: 200 }))
  .map(([bytes, pick, times]) => {
    const text = Buffer.from(bytes).toString("latin1")
    const lines = text.split("\n")
    const headerEnd = Math.max(
      1,
      lines.findIndex((l) => l.trim() === ""),
    )
    const line = lines[pick % headerEnd] ?? ""
    lines.splice(pick % headerEnd, 0, ...Array(times).fill(line))
    return Buffer.from(lines.join("\n"), "latin1")
  })

const nested = fc.oneof(
  fc.integer({ min: 1, max: 300 }).map((d) => deepMultipart(d)),
  fc.integer({ min: 1, max: 12 }).map((d) => deepMessages(d)),
)

const mimeish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'Content-Type: multipart/mixed; boundary="z"\r\n',
        "Content-Type: message/rfc822\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "Subject: =?utf-8?B?w6k=?= =?koi8-r?Q?=C1?=\r\n",
        "--z\r\n",
        "--z--\r\n",
        "\r\n",
        '<a href="hxxp://x[.]y/">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        "=?utf-7?B?K0FEdy0=?=",
      ),
      fc.string({ maxLength: 40 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""))

describe("fuzz", () => {
  it("in-process extraction: 10,000 random and mutated inputs never throw", {
    timeout: 120_000,
  }, async () => {
    const started = performance.now()
    const runs = [
      fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), check), { numRuns: 2000 }),
      fc.assert(fc.asyncProperty(mimeish, check), { numRuns: 2000 }),
      fc.assert(fc.asyncProperty(flipped, check), { numRuns: 2500 }),
      fc.assert(fc.asyncProperty(truncated, check), { numRuns: 1500 }),
      fc.assert(fc.asyncProperty(duplicatedHeader, check), { numRuns: 1500 }),
      fc.assert(fc.asyncProperty(nested, check), { numRuns: 500 }),
    ]
    await Promise.all(runs)
    console.log(`fuzz: 10000 in-process inputs in ${Math.round(performance.now() - started)} ms`)
  })

  it.live(
    "through the worker: mutated samples return a value or a typed EmailError",
    () =>
      Effect.gen(function* () {
        const inputs = fc.sample(fc.oneof(flipped, truncated, duplicatedHeader, nested), {
          numRuns: 60,
          seed: 42,
        })
        const exits = yield* Effect.forEach(
          inputs,
          (raw) => Effect.exit(Email.parse(raw, { maxQrImages: 2 })),
          {
            concurrency: 4,
          },
        )
        for (const exit of exits) {
          if (Exit.isSuccess(exit)) assert.isTrue(isParsed(exit.value))
          else {
            const e = Exit.findErrorOption(exit)
            assert.isTrue(e._tag === "Some" && e.value instanceof EmailError.EmailError)
          }
        }
      }),
    60_000,
  )
})
