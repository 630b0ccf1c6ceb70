/**
 * Errors of the testing kit.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** A run called a connector action that has no mock. */
export class UnmockedCall extends Schema.TaggedError<UnmockedCall>()("UnmockedCall", {
  connector: Schema.String,
  action: Schema.String,
  step: Schema.String,
}) {
  override get message(): string {
    return `${this.connector}.${this.action} was called${this.step === "" ? "" : ` at step '${this.step}'`} but has no mock: add it with Test.mock(<${this.connector} definition>, { ${this.action}: (input) => … })`
  }
}

/** A replayed run did not take the recorded path or make the recorded calls. */
export class ReplayMismatch extends Schema.TaggedError<ReplayMismatch>()("ReplayMismatch", {
  fixture: Schema.String,
  /** A line diff of the expected (recorded) and actual path and calls: `-` expected, `+` actual. */
  diff: Schema.String,
  /** The steps whose calls or path entries differ. */
  steps: Schema.Array(Schema.String),
  /** Why the replayed run failed, when it did. */
  runError: Schema.optional(Schema.String),
}) {
  override get message(): string {
    const failed = this.runError === undefined ? "" : `\nthe replayed run failed: ${this.runError}`
    return `replay of ${this.fixture} diverged at ${this.steps.map((s) => `'${s}'`).join(", ")}:\n${this.diff}${failed}`
  }
}

/** A fixture file could not be read, parsed or written. */
export class FixtureError extends Schema.TaggedError<FixtureError>()("FixtureError", {
  file: Schema.String,
  detail: Schema.String,
}) {
  override get message(): string {
    return `fixture ${this.file}: ${this.detail}`
  }
}
