import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { StatusMapping } from "../src/index.ts"

describe("StatusMapping", () => {
  it("parses Retry-After as seconds or HTTP-date, clamped", () => {
    assert.strictEqual(StatusMapping.parseRetryAfter("120", 0), 120_000)
    assert.strictEqual(StatusMapping.parseRetryAfter(" 1.5 ", 0), 1500)
    const now = Date.parse("Wed, 21 Oct 2015 07:27:00 GMT")
    assert.strictEqual(StatusMapping.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), 60_000)
    assert.strictEqual(StatusMapping.parseRetryAfter("Wed, 21 Oct 2015 07:26:00 GMT", now), 0)
    assert.strictEqual(StatusMapping.parseRetryAfter("99999999999", 0), StatusMapping.maxRetryAfterMillis)
    assert.isUndefined(StatusMapping.parseRetryAfter("soon", 0))
    assert.isUndefined(StatusMapping.parseRetryAfter("-5", 0))
    assert.isUndefined(StatusMapping.parseRetryAfter(undefined, 0))
  })

  it("maps statuses to reasons", () => {
    assert.isUndefined(StatusMapping.fromStatus(204, {}, 0))
    assert.strictEqual(StatusMapping.fromStatus(401, {}, 0)?._tag, "Unauthorized")
    assert.strictEqual(StatusMapping.fromStatus(403, {}, 0)?._tag, "Forbidden")
    assert.strictEqual(StatusMapping.fromStatus(404, {}, 0)?._tag, "NotFound")
    assert.strictEqual(StatusMapping.fromStatus(409, {}, 0)?._tag, "Conflict")
    const limited = StatusMapping.fromStatus(429, { "retry-after": "3" }, 0)
    assert.strictEqual(limited?._tag === "RateLimited" ? limited.retryAfterMillis : 0, 3000)
    const noHint = StatusMapping.fromStatus(429, {}, 0)
    assert.strictEqual(noHint?._tag === "RateLimited" ? noHint.retryAfterMillis : "x", undefined)
    const server = StatusMapping.fromStatus(503, {}, 0)
    assert.strictEqual(server?._tag === "ServerError" ? server.status : 0, 503)
    const other = StatusMapping.fromStatus(418, {}, 0)
    assert.strictEqual(other?._tag === "InvalidResponse" ? other.path : "", "$status")
    assert.strictEqual(StatusMapping.fromStatus(302, {}, 0)?._tag, "InvalidResponse")
  })

  it("names the failing path of a schema issue without echoing the value", () => {
    const schema = Schema.Struct({
      data: Schema.Struct({ items: Schema.Array(Schema.Struct({ size: Schema.Number })) }),
    })
    const result = Schema.decodeUnknownExit(schema)({
      data: { items: [{ size: 1 }, { size: "secret-value" }] },
    })
    assert.isTrue(result._tag === "Failure")
    const issue = result._tag === "Failure" ? result.cause.reasons[0] : undefined
    const error = issue?._tag === "Fail" ? issue.error : undefined
    assert.isDefined(error)
    const summary = StatusMapping.issueSummary((error as Schema.SchemaError).issue)
    assert.strictEqual(summary.path, "$.data.items[1].size")
    assert.isFalse(summary.detail.includes("secret-value"), summary.detail)
    assert.match(summary.detail, /number/)
  })
})
