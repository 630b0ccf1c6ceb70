import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SafeFetch } from "../src/index.ts"
import { isBlockedAddress } from "../src/internal/ipRanges.ts"
import { loopback } from "./loopback.ts"

const redirect = (location: string) => (_req: unknown, res: import("node:http").ServerResponse) =>
  res.writeHead(302, { location }).end()

describe("SafeFetch", () => {
  it("classifies private, loopback, link-local, metadata, CGNAT and mapped addresses", () => {
    const blocked = [
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "127.0.0.1",
      "127.9.9.9",
      "169.254.169.254",
      "100.64.0.1",
      "100.100.100.200",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "::1",
      "::",
      "fc00::1",
      "fd00:ec2::254",
      "fe80::1",
      "ff02::1",
      "::ffff:127.0.0.1",
      "::ffff:a9fe:a9fe",
      "::ffff:10.0.0.1",
      "not-an-ip",
    ]
    for (const address of blocked) assert.isTrue(isBlockedAddress(address), address)
    for (const address of [
      "8.8.8.8",
      "1.1.1.1",
      "172.32.0.1",
      "100.128.0.1",
      "2606:4700::1111",
      "::ffff:8.8.8.8",
    ]) {
      assert.isFalse(isBlockedAddress(address), address)
    }
  })

  it.live(
    "refuses redirects to loopback and to the metadata address; allow-list covers only the exact host:port",
    () =>
      Effect.gen(function* () {
        const entry = yield* loopback
        const other = yield* loopback
        other.handler = (_req, res) => res.writeHead(200).end("internal")
        const fetcher = yield* SafeFetch.make({ allow: [entry.host], timeoutMillis: 2_000 })

        entry.handler = redirect(`http://127.0.0.1:${new URL(other.url).port}/`)
        const toLoopback = yield* Effect.flip(fetcher.fetch(`${entry.url}/start`))
        assert.strictEqual(toLoopback._tag, "Refused")

        entry.handler = redirect("http://169.254.169.254/latest/meta-data")
        const toMetadata = yield* Effect.flip(fetcher.fetch(`${entry.url}/start`))
        assert.strictEqual(toMetadata._tag, "Refused")

        entry.handler = redirect("http://[::ffff:169.254.169.254]/latest/meta-data")
        const toMapped = yield* Effect.flip(fetcher.fetch(`${entry.url}/start`))
        assert.strictEqual(toMapped._tag, "Refused")

        assert.strictEqual(other.requests.length, 0, "the internal server was never reached")
        const direct = yield* Effect.flip(fetcher.fetch(other.url))
        assert.strictEqual(direct._tag, "Refused")
      }).pipe(Effect.scoped),
  )

  it.live("checks the resolved address at connect time (DNS rebinding via an injected resolver)", () =>
    Effect.gen(function* () {
      const entry = yield* loopback
      const internal = yield* loopback
      const port = new URL(internal.url).port
      const resolved: Array<string> = []
      const fetcher = yield* SafeFetch.make({
        allow: [entry.host],
        timeoutMillis: 2_000,
        resolve: async (hostname) => {
          resolved.push(hostname)
          return [{ address: "127.0.0.1", family: 4 }]
        },
      })
      entry.handler = redirect(`http://rebind.test:${port}/`)
      const refused = yield* Effect.flip(fetcher.fetch(entry.url))
      assert.strictEqual(refused._tag, "Refused")
      assert.deepStrictEqual(resolved, ["rebind.test"], "the guard's lookup ran for the hostname hop")
      assert.strictEqual(internal.requests.length, 0)
    }).pipe(Effect.scoped),
  )

  it.live("follows allowed redirects, reports the hops, and stops after maxRedirects", () =>
    Effect.gen(function* () {
      const a = yield* loopback
      const b = yield* loopback
      b.handler = (req, res) =>
        req.url === "/final"
          ? res.writeHead(200).end("landing page")
          : res.writeHead(301, { location: "/final" }).end()
      a.handler = redirect(`${b.url}/hop`)
      const fetcher = yield* SafeFetch.make({
        allow: [a.host, "127.0.0.1/32"],
        maxRedirects: 2,
        timeoutMillis: 2_000,
      })
      const res = yield* fetcher.fetch(`${a.url}/short`, { headers: { cookie: "first-hop-only" } })
      assert.strictEqual(res.status, 200)
      assert.strictEqual(new TextDecoder().decode(res.body), "landing page")
      assert.deepStrictEqual(res.hops, [`${a.url}/short`, `${b.url}/hop`, `${b.url}/final`])
      assert.strictEqual(a.requests[0]?.headers.cookie, "first-hop-only")
      assert.isUndefined(b.requests[0]?.headers.cookie, "caller headers never cross a redirect")

      b.handler = (req, res) => res.writeHead(302, { location: `/loop${req.url}` }).end()
      const loop = yield* Effect.flip(fetcher.fetch(`${b.url}/x`))
      assert.strictEqual(loop._tag, "Refused")
      assert.strictEqual(b.requests.length, 2 + 3, "stops after the first hop plus maxRedirects")
    }).pipe(Effect.scoped),
  )

  it.live("refuses non-http schemes and URL credentials", () =>
    Effect.gen(function* () {
      const fetcher = yield* SafeFetch.make({})
      for (const url of [
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user:pw@example.com/",
        "::nonsense",
      ]) {
        const error = yield* Effect.flip(fetcher.fetch(url))
        assert.strictEqual(error._tag, "Refused", url)
      }
    }).pipe(Effect.scoped),
  )
})
