/**
 * `@riposte/email`: bounded email analysis for phishing response.
 *
 * @example
 * ```ts
 * import { Email } from "@riposte/email"
 * const analysis = yield* Email.analyze(rawBytes)
 * ```
 */
export * as Analysis from "./Analysis.ts"
export * as Email from "./Email.ts"
export * as EmailError from "./EmailError.ts"
export * as EmailPool from "./EmailPool.ts"
export * as Limits from "./Limits.ts"
export * as ParsedEmail from "./ParsedEmail.ts"
export * as Quarantine from "./Quarantine.ts"
