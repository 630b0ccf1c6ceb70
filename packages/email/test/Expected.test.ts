/**
 * Expectations written by hand from the raw files (`grep`, `sed`, and attachment hashes from
 * `awk … | tr -cd 'A-Za-z0-9+/=' | base64 -d | sha256sum`), then checked against Email.parse.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Analysis, Email, type ParsedEmail } from "../src/index.ts"
import { read } from "./corpus.ts"

const parse = (name: string, folder: "phishing" | "ham" = "phishing") => Email.parse(read(folder, name))
const urlValues = (p: ParsedEmail.ParsedEmail) => p.urls.map((u) => u.value)
const kinds = (p: ParsedEmail.ParsedEmail) => Analysis.fromParsed(p).signals.map((s) => s.kind)

describe("hand-checked corpus samples", () => {
  it.live("sample-2151: QR PNG as a data: URI decodes to the phishing URL", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-2151.eml")
      // =?utf-8?q?Case_n=C2=B06048892988=2C?=
      assert.strictEqual(p.subject, "Case n\u00b06048892988,")
      assert.strictEqual(p.from?.address, "201612653@students.unam.na")
      assert.strictEqual(p.from?.name, "CoinbaseWaIIet")
      assert.strictEqual(p.dataUris.length, 1)
      assert.strictEqual(p.dataUris[0]!.mediaType, "image/png")
      assert.deepStrictEqual(p.dataUris[0]!.qr, ["https://mylinx.us/ndp5i"])
      const qrUrl = p.urls.find((u) => u.value === "https://mylinx.us/ndp5i")
      assert.isDefined(qrUrl)
      assert.include(qrUrl!.sources, "qr")
      assert.include(qrUrl!.sources, "html-href")
      // Authentication-Results: spf=pass ... dkim=pass ... dmarc=pass
      assert.deepStrictEqual(
        [p.authentication.spf, p.authentication.dkim, p.authentication.dmarc],
        ["pass", "pass", "pass"],
      )
      const signals = kinds(p)
      assert.include(signals, "QrCodeUrl")
      assert.include(signals, "DisplayNameBrandMismatch") // "CoinbaseWaIIet" from students.unam.na
    }),
  )

  it.live("sample-10: HTML-only, comma-split display name, Reply-To and Return-Path mismatch", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-10.eml")
      assert.strictEqual(p.subject, "Microsoft account unusual signin activity")
      assert.strictEqual(p.text, null)
      assert.isNotNull(p.html)
      // From: Microsoft account team ,_<no-reply@access-accsecurity.com>
      assert.strictEqual(p.from?.address, "no-reply@access-accsecurity.com")
      assert.include(p.from?.name ?? "", "Microsoft account team")
      assert.strictEqual(p.replyTo[0]?.address, "sotrecognizd@gmail.com")
      assert.strictEqual(p.returnPath?.address, "bounce@thcultarfdes.co.uk")
      assert.include(
        urlValues(p),
        "http://thebandalisty.com/track/o43062rdzGz18708448Gdrw1821750fYo33632dSjh176",
      )
      assert.strictEqual(p.authentication.spf, "none")
      assert.strictEqual(p.authentication.dkim, "none")
      assert.strictEqual(p.originIp, "89.144.44.2") // "(sender IP is 89.144.44.2)"
      const signals = kinds(p)
      for (const k of ["DisplayNameBrandMismatch", "ReplyToMismatch", "ReturnPathMismatch"] as const) {
        assert.include(signals, k)
      }
    }),
  )

  it.live("sample-683: iso-8859-7 quoted-printable body is decoded to Greek homoglyphs", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-683.eml")
      assert.strictEqual(p.subject, "#47761419: BNB Token Airdrop is Now Live")
      assert.strictEqual(p.from?.address, "binancebnb2@yx2nqoz.onmicrosoft.com")
      // "T=EF celebrate having alm=EFst 120 milli=EFn =F5sers": 0xEF is ο, 0xF5 is υ in iso-8859-7
      assert.include(p.text ?? "", "alm\u03bfst 120 milli\u03bfn \u03c5sers")
      assert.include(p.text ?? "", "\u0392inance") // =C2 is Greek capital beta
      const url = p.urls.find((u) => u.host === "db3pap004files.storage.live.com")
      assert.isDefined(url)
      assert.isTrue(url!.value.endsWith("?encodeFailures=1&width=362&height=469"))
      assert.include(kinds(p), "DisplayNameBrandMismatch") // "BinanceBNB" from onmicrosoft.com
    }),
  )

  it.live("sample-1968: koi8-r Q-encoded subject with Cyrillic homoglyphs", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-1968.eml")
      // =C1 is а (U+0430) and =CF is о (U+043E) in koi8-r
      assert.strictEqual(
        p.subject,
        "Fwd: Reminder: Your Am\u0430zon acc\u043eunt is temp\u043erarily on h\u043eld [Case-ID: 4071540512]",
      )
      assert.strictEqual(p.attachments[0]?.filename, "Statement.pdf")
      assert.strictEqual(p.attachments[0]?.sniffedType, "pdf")
    }),
  )

  it.live("sample-932: UTF-7 HTML is decoded before URL extraction", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-932.eml")
      assert.strictEqual(p.subject, "You can Claim now your EVM fees as stETH")
      assert.strictEqual(p.from?.address, "Lido-FI-tgk@orders.onlinedistributeur.nl")
      assert.include(p.html ?? "", "<a href=")
      // "+ADw-a href+AD0AIg-https://admonearasda.com+ACI-" is <a href="https://admonearasda.com">
      const u = p.urls.find((x) => x.value === "https://admonearasda.com/")
      assert.isDefined(u)
      assert.include(u!.sources, "html-href")
      assert.isFalse(urlValues(p).some((v) => v.includes("+AD")))
    }),
  )

  it.live("sample-2590: message/rfc822 is analysed recursively", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-2590.eml")
      assert.strictEqual(p.subject, "PLEASE GET BACK TO US")
      assert.strictEqual(p.nested.length, 1)
      const inner = p.nested[0]!
      assert.strictEqual(inner.depth, 1)
      assert.strictEqual(inner.subject, "PLEASE GET BACK TO US")
      assert.strictEqual(inner.from?.address, "test@jzbgno.hospedagemweb.net")
      assert.strictEqual(inner.from?.name, "Jonathan  Okons")
      assert.strictEqual(inner.replyTo[0]?.address, "jonathan.okons@gmail.com")
      // Received: from [194.33.191.16] (unknown [194.33.191.16]) by rap-p-mail1.p1.ams.basefarm.net
      assert.strictEqual(inner.received[0]?.ip, "194.33.191.16")
      assert.strictEqual(inner.received[0]?.by, "rap-p-mail1.p1.ams.basefarm.net")
      assert.strictEqual(inner.originIp, "194.33.191.16")
      assert.include(inner.text ?? "", "jonathan.okons@gmail.com")
      const analysis = Analysis.fromParsed(p)
      assert.isTrue(analysis.signals.some((s) => s.kind === "ReplyToMismatch" && s.depth === 1))
      assert.isTrue(analysis.signals.some((s) => s.kind === "NestedMessage"))
      assert.isTrue(
        analysis.indicators.some((i) => i.type === "ip" && i.value === "194.33.191.16" && i.depth === 1),
      )
    }),
  )

  it.live("sample-53: PDF attachment hashes and B-encoded emoji subject", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-53.eml")
      assert.isTrue(p.subject?.startsWith("\u274c /// Withdrawal error. /AMOUNT: **** USD/ You need to add"))
      assert.strictEqual(p.from?.address, "seeronero663@gmail.com")
      const a = p.attachments.find((x) => x.filename === "sSZt7uix.pdf")
      assert.isDefined(a)
      assert.strictEqual(a!.contentType, "application/pdf")
      assert.strictEqual(a!.sniffedType, "pdf")
      assert.strictEqual(a!.size, 16835)
      assert.strictEqual(a!.sha256, "0405d49886f7605c2747b17ba189bcbc35614c4185f15a4cb42a1ad722958c5b")
      assert.strictEqual(a!.md5, "8227cfadcda07aab687714107a73b165")
      assert.strictEqual(p.originIp, "209.85.167.66")
    }),
  )

  it.live("sample-1266: ISO disk image declared as octet-stream; three Authentication-Results headers", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-1266.eml")
      assert.strictEqual(p.subject, "FW: Due Invoice Payment - protonmail.com - Wire Transfer Document")
      assert.strictEqual(p.from?.address, "Paol.Reggiani@moss.it")
      const a = p.attachments[0]!
      assert.strictEqual(a.filename, "quotation.iso")
      assert.strictEqual(a.contentType, "application/octet-stream")
      assert.strictEqual(a.sniffedType, "iso9660")
      assert.strictEqual(a.size, 114688)
      assert.strictEqual(a.sha256, "75fdb848eac332b4ca7d88f497e7ba7ebbb9a798d825b28cf1f87b9d7149e87f")
      assert.strictEqual(p.authentication.spf, "fail")
      assert.strictEqual(p.authentication.dkim, "none")
      assert.strictEqual(p.authentication.dmarc, "none")
      assert.strictEqual(p.authentication.results[0]?.authservId, "mailin004.protonmail.ch")
      assert.include(kinds(p), "RiskyAttachment")
    }),
  )

  it.live(
    "sample-3641: PDF + ZIP + PNG attachments (hashes survive the corpus' redaction inside base64)",
    () =>
      Effect.gen(function* () {
        const p = yield* parse("sample-3641.eml")
        assert.strictEqual(p.subject, "ENVIO INFRACCION461")
        const byName = new Map(p.attachments.map((a) => [a.filename, a]))
        assert.strictEqual(
          byName.get("FotoCivicas.rCNuVDM3in.pdf")?.sha256,
          "25e92ada5f7e560dc2c250d68d2f55d4e67d77b52fc3baabde803933bcf01078",
        )
        assert.strictEqual(
          byName.get("FotoCivicas.dsBsfqpJ3z.zip")?.sha256,
          "399a80f7122764dba934c348bb10e2cf867eae8c37be64cf32544c6708aa027a",
        )
        assert.strictEqual(byName.get("FotoCivicas.dsBsfqpJ3z.zip")?.sniffedType, "zip")
        assert.strictEqual(
          byName.get("FotoCivicas.QvizC3Gvmj.png")?.sha256,
          "22bc1f9d8c46a71fc89052315e5f6acc45b23866bf8d26e687134558dde4adc7",
        )
        assert.strictEqual(byName.get("FotoCivicas.QvizC3Gvmj.png")?.sniffedType, "png")
      }),
  )

  it.live("sample-992: DOCX sniffed from the ZIP structure; combining-character subject", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-992.eml")
      const a = p.attachments[0]!
      assert.strictEqual(a.filename, "Coinbase -15392.docx")
      assert.strictEqual(a.sniffedType, "docx")
      assert.strictEqual(a.sha256, "a1790a4e09be26f1824f27118b12547f5ea097883f15029532bfc2d1d6610fc4")
      // =?UTF-8?Q?=5BA=DC=BFl=DC=BFe=DC=BFrt=5D_Co=DC=BFnf?= ...: =DC=BF is U+073F between letters
      assert.isTrue(p.subject?.startsWith("[A\u073fl\u073fe\u073frt] Co\u073fnf\u073fi\u073frm yo\u073fur"))
    }),
  )

  it.live("sample-2939: RTF with RFC 2231 filename containing invisible U+034F", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-2939.eml")
      const a = p.attachments[0]!
      // filename*0*=utf-8''reviewdocument_txtid%243545767%CD%8F%CD%8F; filename*1=.RTF
      assert.strictEqual(a.filename, "reviewdocument_txtid$3545767\u034f\u034f.RTF")
      assert.strictEqual(a.sniffedType, "rtf")
      assert.strictEqual(a.sha256, "d527857f1d22df78074e50a46dcc42dce1158d0802e339f715d6da5dbadd5510")
      assert.strictEqual(p.authentication.spf, "softfail")
    }),
  )

  it.live("sample-240: bit.ly shortener; trailing ']' stripped", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-240.eml")
      assert.strictEqual(p.subject, "ENC: .Give Away #2023")
      const shorteners = p.urls.filter((u) => u.shortener).map((u) => u.value)
      assert.includeMembers(shorteners, ["http://bit.ly/3IfsBy8", "http://bit.ly/3WXTuuG"])
      assert.include(kinds(p), "UrlShortener")
    }),
  )

  it.live("sample-242: is.gd shortener with a fragment", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-242.eml")
      const u = p.urls.find((x) => x.host === "is.gd")
      assert.strictEqual(u?.value, "https://is.gd/B38mwM#FrCWuMFZDXkxhnW")
      assert.isTrue(u?.shortener)
      assert.include(urlValues(p), "https://i.imgur.com/dJllHB9.png")
    }),
  )

  it.live("sample-673: tinyurl.com shortener", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-673.eml")
      assert.strictEqual(p.from?.address, "o60450747@gmail.com")
      const short = p.urls.filter((u) => u.shortener).map((u) => u.value)
      assert.includeMembers(short, ["https://tinyurl.com/4xsy8ke9", "https://tinyurl.com/mr2daabm"])
    }),
  )

  it.live("sample-108: Reply-To on another domain (advance-fee fraud, windows-1251 part)", () =>
    Effect.gen(function* () {
      const p = yield* parse("sample-108.eml")
      assert.strictEqual(p.subject, "INVESTMENT PROPOSAL FROM MR WILLIAMS SANKOH.")
      assert.strictEqual(p.from?.address, "Williams_Sankoh@info.org")
      assert.strictEqual(p.replyTo[0]?.address, "williams.sankoh@yandex.com")
      assert.strictEqual(p.returnPath?.domain, "mycouchetard.onmicrosoft.com")
      assert.strictEqual(p.authentication.spf, "pass")
      const signals = kinds(p)
      assert.include(signals, "ReplyToMismatch")
      assert.include(signals, "ReturnPathMismatch")
    }),
  )

  it.live("ham authres: RFC 8601 parsing with authserv-ids, comments and several headers", () =>
    Effect.gen(function* () {
      const p = yield* parse("spamassassin-nice-authres.eml", "ham")
      const r = p.authentication.results
      assert.deepStrictEqual(r[0], {
        authservId: "authrestest1int",
        method: "spf",
        result: "pass",
        properties: { "smtp.mailfrom": "bounce.example.org" },
      })
      assert.deepStrictEqual(
        r.filter((x) => x.method === "dkim").map((x) => [x.authservId, x.result]),
        [
          ["authrestest1int", "pass"],
          ["authrestest1int", "fail"],
          ["authrestest5int", "pass"],
          ["authrestest6int", "fail"],
        ],
      )
      assert.isTrue(
        r.some((x) => x.authservId === "authrestest2int" && x.method === "dmarc" && x.result === "none"),
      )
      assert.strictEqual(p.authentication.spf, "pass")
      assert.strictEqual(p.authentication.dmarc, "none")
    }),
  )
})
