import { assert, describe, it } from "@effect/vitest"
import { indicatorsOf } from "../src/Stix.ts"
import { extract, limits, PatternError, parse } from "../src/StixPattern.ts"
import { bundles, cisa, json } from "./stix.ts"

const of = (pattern: string) => extract(parse(pattern))

describe("STIX pattern parser (bounded recursive descent)", () => {
  it("parses every indicator pattern of every corpus bundle", () => {
    let patterns = 0
    for (const file of bundles()) {
      for (const o of json(file).objects ?? []) {
        if (o.type !== "indicator") continue
        patterns++
        assert.doesNotThrow(() => parse(o.pattern), undefined, `${file}: ${o.pattern}`)
      }
    }
    assert.isAtLeast(patterns, 240)
  })

  it("extracts equality comparisons through OR, with quoted hash names", () => {
    assert.deepStrictEqual(
      of(
        "[(file:hashes.MD5 = 'F772F5C65D65412F61EF5F2660E33CEB' OR file:hashes.'SHA-256' = 'EAB7C6EF336C0FE2E0D15E2CCFE851F7EE172BDC14CEE2D25E1C245E9034279D')]",
      ).indicators,
      [
        { type: "md5", value: "F772F5C65D65412F61EF5F2660E33CEB" },
        { type: "sha256", value: "EAB7C6EF336C0FE2E0D15E2CCFE851F7EE172BDC14CEE2D25E1C245E9034279D" },
      ],
    )
    assert.deepStrictEqual(
      of("[ipv4-addr:value = '10.0.0.0'] OR [domain-name:value = 'a.example']").indicators,
      [
        { type: "ipv4", value: "10.0.0.0" },
        { type: "domain", value: "a.example" },
      ],
    )
    assert.deepStrictEqual(
      of("[email-addr:value = 'it\\'s@evil.example' AND email-addr:display_name = 'x']").indicators,
      [{ type: "email", value: "it's@evil.example" }],
    )
  })

  it("keeps a file's hashes under AND on the same object (name AND size AND hashes)", () => {
    const r = of(
      "[(file:name = 'a.exe') AND file:size = 280064 AND (file:hashes.MD5 = 'abc' OR file:hashes.'SHA-1' = 'def')]",
    )
    assert.deepStrictEqual(
      r.indicators.map((i) => i.type),
      ["md5", "sha1"],
    )
    assert.deepStrictEqual(r.skipped, ["unsupported path file:name", "unsupported path file:size"])
  })

  it("refuses correlations and unsupported comparisons, with a reason", () => {
    assert.deepStrictEqual(of("[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x.example']").skipped, [
      "AND across object types (ipv4-addr, domain-name)",
    ])
    assert.deepStrictEqual(
      of("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [domain-name:value = 'x.example'] WITHIN 600 SECONDS")
        .skipped,
      ["observation-level FOLLOWEDBY (a correlation, not a standalone indicator)"],
    )
    assert.deepStrictEqual(
      of("[email-message:subject MATCHES '^[IMPORTANT] Please Review Before']").skipped,
      ["unsupported path email-message:subject"],
    )
    assert.deepStrictEqual(of("[ipv4-addr:value NOT = '1.2.3.4']").skipped, [
      "unsupported comparison ipv4-addr:value NOT =",
    ])
    assert.deepStrictEqual(of("[ipv4-addr:value IN ('1.2.3.4', '5.6.7.8')]").skipped, [
      "unsupported comparison ipv4-addr:value IN",
    ])
    assert.lengthOf(
      of("[file:size > 10] REPEATS 5 TIMES START t'2016-01-01T00:00:00Z' STOP t'2016-02-01T00:00:00Z'")
        .indicators,
      0,
    )
  })

  it("hostile input fails with a typed error: depth, length, comparisons, syntax", () => {
    assert.throws(
      () => parse(`${"(".repeat(100)}[a:b = 'c']${")".repeat(100)}`),
      PatternError,
      /nesting deeper than 32/,
    )
    assert.throws(() => parse(`[a:b = '${"x".repeat(limits.maxLength)}']`), PatternError, /longer than/)
    const many = Array.from({ length: 1001 }, () => "a:b = '1'").join(" OR ")
    assert.throws(() => parse(`[${many}]`), PatternError, /more than 1000 comparisons/)
    assert.throws(() => parse("[ipv4-addr:value = '1.2.3.4"), PatternError, /unterminated string/)
    assert.throws(() => parse("[ipv4-addr:value = '1.2.3.4'] garbage"), PatternError, /trailing input/)
    assert.throws(() => parse("[ipv4-addr:value == '1.2.3.4']"), PatternError)
  })
})

describe("STIX bundles → blockable indicators", () => {
  const received = Date.parse("2024-09-06T00:00:00Z")

  it("CISA AA24-249A: 208 indicators → 25 IPs, 5 domains, 5 URLs, 231 hashes; the non-URL 'url' is refused", () => {
    const r = indicatorsOf(json(cisa), received)
    assert.strictEqual(r.indicators, 208)
    const count = (t: string) => r.candidates.filter((c) => c.type === t).length
    assert.deepStrictEqual(
      [count("ipv4"), count("domain"), count("url"), count("md5") + count("sha1") + count("sha256")],
      [25, 5, 5, 231],
    )
    assert.isTrue(
      r.rejected.some((x) => x.reason === "url value 'dns.test658324901domain.me' is not a valid url"),
    )
    assert.isTrue(
      r.candidates.every((c) => c.ttlSeconds === null),
      "the advisory sets no valid_until",
    )
    assert.isTrue(
      r.candidates.filter((c) => c.type === "md5").every((c) => c.value === c.value.toLowerCase()),
    )
  })

  it("poisonivy: IPs repeated across indicators merge into one candidate with every source", () => {
    const r = indicatorsOf(
      json("oasis-cti-stix2-json-schemas/examples/threat-reports/poisonivy.json"),
      received,
    )
    const ip = r.candidates.find((c) => c.value === "113.10.246.30")
    assert.isAbove(ip!.sources.length, 1)
    assert.strictEqual(new Set(r.candidates.map((c) => `${c.type}|${c.value}`)).size, r.candidates.length)
  })

  it("apt1: CIDR ranges are kept; x509 certificate patterns are refused with the reason", () => {
    const r = indicatorsOf(json("oasis-cti-stix2-json-schemas/examples/threat-reports/apt1.json"), received)
    assert.isTrue(r.candidates.some((c) => c.value === "223.166.0.0/15"))
    assert.isTrue(r.rejected.some((x) => x.reason === "unsupported path x509-certificate:issuer"))
  })

  it("valid_until: TTL relative to the reference time; an expired indicator is refused", () => {
    const bundle = json("oasis-cti-stix2-json-schemas/examples/indicator-for-c2-ip-address.json")
    const [indicator] = bundle.objects
    const derived = {
      ...bundle,
      objects: [
        { ...indicator, valid_until: "2024-09-08T00:00:00Z" },
        {
          ...indicator,
          id: `${indicator.id}-old`,
          pattern: "[ipv4-addr:value = '10.9.9.9']",
          valid_until: "2024-09-05T00:00:00Z",
        },
      ],
    }
    const r = indicatorsOf(derived, received)
    assert.deepStrictEqual(
      r.candidates.map((c) => [c.value, c.ttlSeconds]),
      [["10.0.0.0", 2 * 86_400]],
    )
    assert.deepStrictEqual(
      r.rejected.map((x) => x.reason),
      ["expired (valid_until 2024-09-05T00:00:00Z)"],
    )
  })

  it("ATT&CK (STIX 2.0) and Attack Flow bundles carry no indicators: nothing to block, nothing refused", () => {
    for (const file of bundles().filter((f) => f.startsWith("mitre-cti") || f.startsWith("attack-flow"))) {
      const r = indicatorsOf(json(file), received)
      assert.deepStrictEqual([r.indicators, r.candidates.length, r.rejected.length], [0, 0, 0], file)
    }
  })
})
