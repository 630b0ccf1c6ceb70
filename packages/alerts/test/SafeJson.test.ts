import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as SafeJson from "../src/SafeJson.ts"

// A naive recursive merge, as found in many codebases: the classic prototype-pollution sink.
const naiveMerge = (target: any, source: any): any => {
  for (const key in source) {
    if (typeof source[key] === "object" && source[key] !== null) {
      target[key] ??= {}
      naiveMerge(target[key], source[key])
    } else target[key] = source[key]
  }
  return target
}

const payload =
  '{"a":1,"__proto__":{"polluted":"yes"},"nested":{"constructor":{"prototype":{"polluted":"yes"}}}}'

describe("SafeJson", () => {
  it.effect("parses ordinary JSON", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* SafeJson.parse('{"a":[1,{"b":"c"}],"d":null}'), {
        a: [1, { b: "c" }],
        d: null,
      })
    }),
  )

  it("the payload really pollutes through plain JSON.parse (the test is meaningful)", () => {
    try {
      naiveMerge({}, JSON.parse(payload))
      assert.strictEqual(({} as any).polluted, "yes")
    } finally {
      delete (Object.prototype as any).polluted
    }
  })

  it.effect("rejects __proto__ / constructor / prototype keys by default", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(SafeJson.parse(payload))
      assert.strictEqual(e.reason, "ForbiddenKey")
      const e2 = yield* Effect.flip(SafeJson.parse('{"x":{"constructor":{"prototype":{}}}}'))
      assert.strictEqual(e2.reason, "ForbiddenKey")
      // escaped spelling of the key is caught too (the reviver sees the decoded key)
      const e3 = yield* Effect.flip(SafeJson.parse('{"\\u005f_proto__":{"polluted":1}}'))
      assert.strictEqual(e3.reason, "ForbiddenKey")
    }),
  )

  it.effect("drop mode removes the keys; merging the result cannot pollute Object.prototype", () =>
    Effect.gen(function* () {
      const parsed = (yield* SafeJson.parse(payload, { forbiddenKeys: "drop" })) as Record<string, unknown>
      assert.deepStrictEqual(Object.keys(parsed), ["a", "nested"])
      assert.isUndefined(Object.getOwnPropertyDescriptor(parsed, "__proto__"))
      assert.deepStrictEqual(Object.keys(parsed.nested as object), [])
      assert.strictEqual(Object.getPrototypeOf(parsed), Object.prototype)
      naiveMerge({}, parsed)
      Object.assign({}, parsed)
      assert.isUndefined(({} as any).polluted)
      assert.isUndefined((Object.prototype as any).polluted)
      // no accessor sneaked onto the parsed object
      for (const d of Object.values(Object.getOwnPropertyDescriptors(parsed))) assert.notProperty(d, "get")
    }),
  )

  it.effect("enforces maxBytes on UTF-8 bytes, not characters", () =>
    Effect.gen(function* () {
      const text = JSON.stringify({ s: "é".repeat(10) }) // 18 characters, 28 UTF-8 bytes
      const e = yield* Effect.flip(SafeJson.parse(text, { maxBytes: 20 }))
      assert.strictEqual(e.reason, "TooLarge")
      assert.strictEqual(text.length, 18)
      assert.deepStrictEqual(yield* SafeJson.parse(text, { maxBytes: 28 }), { s: "é".repeat(10) })
    }),
  )

  it.effect("enforces maxDepth before parsing (no stack blow-up on hostile nesting)", () =>
    Effect.gen(function* () {
      const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`
      const e = yield* Effect.flip(SafeJson.parse(deep, { maxDepth: 64, maxBytes: 1e6 }))
      assert.strictEqual(e.reason, "TooDeep")
      assert.ok(yield* SafeJson.parse("[[[1]]]", { maxDepth: 3 }))
      assert.strictEqual((yield* Effect.flip(SafeJson.parse("[[[1]]]", { maxDepth: 2 }))).reason, "TooDeep")
      // brackets inside strings do not count
      assert.ok(yield* SafeJson.parse('{"a":"[[[[[[{{{{"}', { maxDepth: 1 }))
    }),
  )

  it.effect("enforces maxKeys; colons inside strings are not keys", () =>
    Effect.gen(function* () {
      const obj = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "a:b"]))
      assert.strictEqual(
        (yield* Effect.flip(SafeJson.parse(JSON.stringify(obj), { maxKeys: 10 }))).reason,
        "TooManyKeys",
      )
      assert.ok(yield* SafeJson.parse(JSON.stringify(obj), { maxKeys: 11 }))
    }),
  )

  it.effect("malformed JSON is a Syntax error", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* Effect.flip(SafeJson.parse('{"a":'))).reason, "Syntax")
      assert.strictEqual((yield* Effect.flip(SafeJson.parse('{"a":"\\"}'))).reason, "Syntax")
    }),
  )
})
