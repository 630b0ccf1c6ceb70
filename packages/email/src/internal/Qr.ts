import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader"

let prepared = false

/**
 * Points zxing at the .wasm shipped in node_modules. Without this it would fetch the binary from
 * a CDN at first use: analysis must work offline and must never reach the network.
 */
const prepare = (): void => {
  if (prepared) return
  const wasmPath = createRequire(import.meta.url).resolve("zxing-wasm/reader/zxing_reader.wasm")
  const bytes = readFileSync(wasmPath)
  const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  prepareZXingModule({
    overrides: {
      wasmBinary,
      // Emscripten still asks for a path; answer with the local file, never a URL.
      locateFile: () => wasmPath,
    },
  })
  prepared = true
}

/** Decodes the QR codes in an image (PNG, JPEG, GIF, BMP). Undecodable images yield []. */
export const decodeQr = async (image: Uint8Array): Promise<Array<string>> => {
  prepare()
  try {
    const results = await readBarcodes(image, { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 8 })
    return results.filter((r) => r.isValid && r.text !== "").map((r) => r.text)
  } catch {
    return []
  }
}
