import { describe, expect, it } from "vitest"
import { uuidV7 } from "../src/internal/Uuid.ts"

const shape = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const millisOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)

describe("uuidV7 (case ids)", () => {
  it("is an RFC 9562 version 7 UUID carrying the creation time", () => {
    const now = Date.UTC(2026, 11, 5, 8, 30)
    const id = uuidV7(now + 10_000)
    expect(id).toMatch(shape)
    expect(millisOf(id)).toBe(now + 10_000)
  })

  it("sorts in creation order: within one millisecond, across milliseconds, when the clock steps back", () => {
    const t = Date.UTC(2027, 0, 1)
    const ids = [
      ...Array.from({ length: 5000 }, () => uuidV7(t)), // more than one counter's worth
      uuidV7(t + 1),
      uuidV7(t - 50),
      uuidV7(t + 2),
    ]
    for (const id of ids) expect(id).toMatch(shape)
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it("keeps 62 random bits: ids of the same millisecond do not share their tail", () => {
    const t = Date.UTC(2028, 0, 1)
    const tails = new Set(Array.from({ length: 1000 }, () => uuidV7(t).slice(19)))
    expect(tails.size).toBe(1000)
  })
})
