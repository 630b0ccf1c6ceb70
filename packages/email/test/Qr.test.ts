import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { prepareZXingModule, writeBarcode } from "zxing-wasm/writer"
import { Analysis, Email, Limits } from "../src/index.ts"
import { extract } from "../src/internal/Extract.ts"
import { read } from "./corpus.ts"

// A QR image generated here (writer wasm from node_modules), so the payload is known independently.
const qrPng = async (text: string): Promise<Uint8Array> => {
  const wasm = readFileSync(createRequire(import.meta.url).resolve("zxing-wasm/writer/zxing_writer.wasm"))
  prepareZXingModule({
    overrides: {
      wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer,
    },
  })
  const { image } = await writeBarcode(text, { format: "QRCode", scale: 4 })
  return new Uint8Array(await image!.arrayBuffer())
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64").replace(/.{76}/g, "$&\r\n")

const messageWith = (png: Uint8Array): string =>
  `From: "IT Desk" <it@evil.example>\r\nSubject: MFA\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="r"\r\n\r\n` +
  `--r\r\nContent-Type: text/html\r\n\r\n<p>Scan:</p><img src="cid:qr1">\r\n` +
  `--r\r\nContent-Type: image/png\r\nContent-ID: <qr1>\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(png)}\r\n` +
  `--r\r\nContent-Type: image/png; name="scan-me.png"\r\nContent-Disposition: attachment; filename="scan-me.png"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(png)}\r\n--r--\r\n`

describe("QR codes", () => {
  it("decode offline: the reader wasm comes from node_modules, fetch is never called", async () => {
    const realFetch = globalThis.fetch
    let fetched = 0
    globalThis.fetch = (() => {
      fetched++
      return Promise.reject(new Error("network is not allowed"))
    }) as typeof fetch
    try {
      const result = await extract(read("phishing", "sample-2151.eml"), Limits.defaults)
      assert.strictEqual(result._tag, "Success")
      if (result._tag === "Success")
        assert.deepStrictEqual(result.value.dataUris[0]?.qr, ["https://mylinx.us/ndp5i"])
      assert.strictEqual(fetched, 0)
    } finally {
      globalThis.fetch = realFetch
    }
  })

  it.live("inline (cid) and attached PNG QR codes become URL indicators", () =>
    Effect.gen(function* () {
      const png = yield* Effect.promise(() => qrPng("https://login.evil.example/mfa?u=1"))
      const parsed = yield* Email.parse(messageWith(png))
      assert.strictEqual(parsed.attachments.length, 2)
      for (const a of parsed.attachments) {
        assert.strictEqual(a.sniffedType, "png")
        assert.deepStrictEqual(a.qr, ["https://login.evil.example/mfa?u=1"])
      }
      const url = parsed.urls.find((u) => u.value === "https://login.evil.example/mfa?u=1")
      assert.deepStrictEqual(url?.sources, ["qr"])
      assert.include(
        Analysis.fromParsed(parsed).signals.map((s) => s.kind),
        "QrCodeUrl",
      )
    }),
  )

  it.live("images beyond maxQrImages are counted as skipped, not silently ignored", () =>
    Effect.gen(function* () {
      const png = yield* Effect.promise(() => qrPng("https://x.example/"))
      const parsed = yield* Email.parse(messageWith(png), { maxQrImages: 1 })
      assert.strictEqual(parsed.qrSkipped, 1)
      assert.strictEqual(parsed.attachments.filter((a) => a.qr.length > 0).length, 1)
    }),
  )
})
