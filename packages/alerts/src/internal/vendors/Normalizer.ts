// The contract every vendor normalizer implements.
import type { Alert, Vendor } from "../../Alert.ts"
import { InvalidField, isRecord, type Path } from "../Read.ts"

export interface Normalizer {
  readonly vendor: Vendor
  /** Whether one item (not an envelope) has this vendor's shape. */
  readonly isItem: (item: unknown) => boolean
  /** The items of a payload: an envelope (`{ value: [...] }`, `{ resources: [...] }`, …), an array or one item. */
  readonly items: (json: unknown) => ReadonlyArray<unknown> | undefined
  /** Normalizes one item; throws `InvalidField` when a required field is missing. */
  readonly normalizeItem: (item: unknown) => ReadonlyArray<Alert>
}

/** Items of a list envelope under one of `keys`, else of an array, else the single value. */
export const itemsUnder =
  (...keys: ReadonlyArray<string>) =>
  (json: unknown): ReadonlyArray<unknown> | undefined => {
    if (Array.isArray(json)) return json
    if (!isRecord(json)) return undefined
    for (const k of keys) {
      const v = Object.hasOwn(json, k) ? json[k] : undefined
      if (Array.isArray(v)) return v
    }
    return [json]
  }

/** Normalizes every item, prefixing errors with the item's index. */
export const normalizeAll = (n: Normalizer, items: ReadonlyArray<unknown>): ReadonlyArray<Alert> =>
  items.flatMap((item, i) => {
    const prefix: Path = items.length === 1 && !Array.isArray(item) ? [] : [i]
    if (!n.isItem(item)) throw new InvalidField(prefix, `not a ${n.vendor} alert`)
    try {
      return n.normalizeItem(item)
    } catch (e) {
      if (e instanceof InvalidField && prefix.length > 0)
        throw new InvalidField([...prefix, ...e.path], e.message)
      throw e
    }
  })
