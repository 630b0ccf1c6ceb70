/**
 * Messages between a pooled parser worker and its parent. Types only: the worker's module graph
 * stays `Extract.ts` and its parsers.
 */
import type { Limits } from "../Limits.ts"
import type { ExtractResult } from "./Extract.ts"

/** Parent → worker: one message to parse. `raw` is the worker's own copy (transferred). */
export interface Request {
  readonly id: number
  readonly raw: Uint8Array
  readonly limits: Limits
}

/** Worker → parent: `Ready` once after start-up, then one `Done` per request, in order. */
export type Response =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "Done"; readonly id: number; readonly result: ExtractResult }
