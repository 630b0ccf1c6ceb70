import { assert, describe, it } from "@effect/vitest"
import { Analysis } from "../src/index.ts"
import { parseReceived } from "../src/internal/Headers.ts"
import { isShortener, normalizeHost, normalizeUrl, refang, stripTrailing } from "../src/internal/Normalize.ts"
import { imagePixels, sniff } from "../src/internal/Sniff.ts"
import { scanHtml, urlsInText } from "../src/internal/Urls.ts"

describe("normalisation", () => {
  it("refangs hxxp, [.], (.), [:] and keeps the raw text", () => {
    assert.strictEqual(refang("hxxps[:]//evil[.]example(.)com/a"), "https://evil.example.com/a")
    const found = urlsInText("go to hxxps://Login.Evil[.]COM/reset. now", "text")
    assert.deepStrictEqual(found, [{ raw: "hxxps://Login.Evil[.]COM/reset.", source: "text" }])
    assert.deepStrictEqual(normalizeUrl(found[0]!.raw), {
      value: "https://login.evil.com/reset",
      host: "login.evil.com",
    })
  })

  it("lower-cases hosts, applies IDNA and strips trailing punctuation", () => {
    assert.strictEqual(normalizeHost("PayPaL.COM."), "paypal.com")
    assert.strictEqual(normalizeHost("pаypal.com"), "xn--pypal-4ve.com") // Cyrillic а
    assert.strictEqual(normalizeUrl("https://bücher.example/x),")?.host, "xn--bcher-kva.example")
    assert.strictEqual(stripTrailing("https://x.example/a_(b)."), "https://x.example/a_(b)")
    assert.strictEqual(stripTrailing("https://x.example/a)."), "https://x.example/a")
    assert.strictEqual(normalizeUrl("www.example.com/path!")?.value, "http://www.example.com/path")
    assert.isNull(normalizeUrl("javascript:alert(1)"))
  })

  it("flags shorteners", () => {
    for (const h of [
      "bit.ly",
      "tinyurl.com",
      "is.gd",
      "shorturl.at",
      "t.co",
      "goo.gl",
      "ow.ly",
      "rebrand.ly",
      "cutt.ly",
    ]) {
      assert.isTrue(isShortener(h), h)
    }
    assert.isFalse(isShortener("example.com"))
    assert.isFalse(isShortener("notbit.ly"))
  })

  it("extracts href, src, visible text and data: URIs from HTML without fetching", () => {
    const html =
      "<a href=\"https://a.example/?x=1&amp;y=2\">visit hxxp://b[.]example/</a><img src='//c.example/i.png'>" +
      '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
    const r = scanHtml(html)
    assert.deepStrictEqual(
      r.urls.map((u) => [u.raw, u.source]),
      [
        ["https://a.example/?x=1&y=2", "html-href"],
        ["https://c.example/i.png", "html-src"],
      ],
    )
    assert.deepStrictEqual(r.dataUris, ["data:image/gif;base64,R0lGODlhAQABAAAAACw="])
    assert.deepStrictEqual(
      urlsInText(r.visibleText, "html-text").map((u) => u.raw),
      ["hxxp://b[.]example/"],
    )
  })

  it("sniffs magic bytes", () => {
    const b = (s: string) => new Uint8Array(Buffer.from(s, "latin1"))
    assert.strictEqual(sniff(b("%PDF-1.7\n")), "pdf")
    assert.strictEqual(sniff(b("{\\rtf1\\ansi")), "rtf")
    assert.strictEqual(sniff(b("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\x00\0\0\x02\x00")), "png")
    assert.strictEqual(
      imagePixels(b("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\x00\0\0\x02\x00"), "png"),
      256 * 512,
    )
    assert.strictEqual(sniff(b("\xff\xd8\xff\xe0")), "jpeg")
    assert.strictEqual(sniff(b("GIF89a")), "gif")
    assert.strictEqual(sniff(b("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")), "ole")
    assert.strictEqual(sniff(b("MZ\x90\0")), "pe")
    assert.strictEqual(sniff(b("PK\x03\x04....[Content_Types].xml....word/document.xml")), "docx")
    assert.strictEqual(sniff(b("PK\x03\x04....evil.exe")), "zip")
    assert.strictEqual(sniff(b("  <!DOCTYPE html><html>")), "html")
    const iso = new Uint8Array(0x8010)
    iso.set(Buffer.from("CD001"), 0x8001)
    assert.strictEqual(sniff(iso), "iso9660")
    assert.strictEqual(sniff(new Uint8Array([0, 1, 2, 3])), "unknown")
  })

  it("parses Received headers", () => {
    const hop = parseReceived(
      "from mail.evil.example (unknown [203.0.113.9]) by mx.example.org (Postfix) with ESMTP id X; Tue, 16 Jan 2024 14:01:39 +0100 (CET)",
    )
    assert.deepStrictEqual(
      { ...hop, raw: undefined },
      {
        from: "mail.evil.example",
        by: "mx.example.org",
        ip: "203.0.113.9",
        date: "2024-01-16T13:01:39.000Z",
        raw: undefined,
      },
    )
  })

  it("derives display-name spoofing signals", () => {
    const empty = { spf: null, dkim: null, dmarc: null, arc: null, results: [] }
    const analysis = Analysis.fromParsed({
      depth: 0,
      subject: "s",
      messageId: null,
      date: null,
      from: { name: "PayPal <service@paypal.com>", address: "x@evil.example", domain: "evil.example" },
      sender: null,
      replyTo: [{ name: "", address: "y@mail.other.example", domain: "mail.other.example" }],
      returnPath: { name: "", address: "b@bounce.evil.example", domain: "bounce.evil.example" },
      to: [],
      cc: [],
      authentication: empty,
      received: [],
      originIp: null,
      text: null,
      html: null,
      urls: [],
      domains: [],
      ips: [],
      attachments: [],
      dataUris: [],
      qrSkipped: 0,
      nested: [],
    })
    const kinds = analysis.signals.map((s) => s.kind)
    assert.include(kinds, "DisplayNameAddressMismatch")
    assert.include(kinds, "DisplayNameBrandMismatch")
    assert.include(kinds, "ReplyToMismatch")
    // Same organisational domain (bounce.evil.example vs evil.example): no Return-Path signal.
    assert.notInclude(kinds, "ReturnPathMismatch")
  })
})
