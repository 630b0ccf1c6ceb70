/**
 * Bounds applied to every message. Untrusted mail is hostile: each bound turns a resource
 * attack into a typed `EmailError` instead of a crash or a hang.
 */
export interface Limits {
  /** Raw message size in bytes. Default 25 MiB. */
  readonly maxBytes: number
  /** MIME parts (all levels, nested messages included). Default 1,000. */
  readonly maxParts: number
  /** Multipart nesting depth. Default 32. */
  readonly maxDepth: number
  /** message/rfc822 nesting depth analysed recursively. Default 5. */
  readonly maxMessageDepth: number
  /** Header bytes across all parts. Default 1 MiB. */
  readonly maxHeaderBytes: number
  /** Decoded size of a single attachment. Default 25 MiB. */
  readonly maxAttachmentBytes: number
  /** Distinct URLs (text, HTML, QR codes). Default 10,000. */
  readonly maxUrls: number
  /** Images scanned for QR codes per message. Default 32. Further images are counted, not scanned. */
  readonly maxQrImages: number
  /** Pixels (width × height) of an image scanned for QR codes. Default 16 M. */
  readonly maxQrPixels: number
  /**
   * Wall-clock budget of the parsing worker in milliseconds, counted from the moment a worker
   * receives the message (waiting for a free worker is not billed). Default 20,000.
   */
  readonly timeoutMs: number
  /** V8 old-generation heap of the parsing worker in MB (workers are pooled per value). Default 512. */
  readonly maxHeapMb: number
}

/** The documented defaults. */
export const defaults: Limits = {
  maxBytes: 25 * 1024 * 1024,
  maxParts: 1_000,
  maxDepth: 32,
  maxMessageDepth: 5,
  maxHeaderBytes: 1024 * 1024,
  maxAttachmentBytes: 25 * 1024 * 1024,
  maxUrls: 10_000,
  maxQrImages: 32,
  maxQrPixels: 16_000_000,
  timeoutMs: 20_000,
  maxHeapMb: 512,
}

/**
 * Fills in defaults. A value that is not a non-negative finite number is rejected with a
 * `RangeError` (a defect): a NaN or string would otherwise silently disable the bound.
 *
 * @example
 * ```ts
 * const limits = Limits.make({ maxBytes: 1024 * 1024 })
 * ```
 */
export const make = (overrides: Partial<Limits> = {}): Limits => {
  const out: Record<string, number> = { ...defaults }
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in defaults)) throw new RangeError(`unknown limit ${key}`)
    if (value === undefined) continue
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`limit ${key} must be a non-negative finite number`)
    }
    out[key] = value
  }
  return out as unknown as Limits
}
