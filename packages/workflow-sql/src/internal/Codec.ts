/**
 * JSON forms of what the journal stores: activity and deferred exits (already schema-encoded by
 * effect/workflow, so only the Exit/Cause envelope is encoded here), workflow payloads and
 * results (encoded with the workflow's own schemas).
 */
import { Exit, Schema } from "effect"
import { Workflow } from "effect/workflow"

const AnyOrVoid = Schema.Union([Schema.Any, Schema.Void])
const ExitJson = Schema.toCodecJson(Schema.Exit(AnyOrVoid, AnyOrVoid, Schema.Defect()))
const encodeExitSlow = Schema.encodeSync(ExitJson)
const decodeExitSlow = Schema.decodeUnknownSync(ExitJson)

/**
 * An exit whose values are already JSON-safe (effect/workflow encodes activity and deferred
 * results with their schemas before the engine sees them). Successes, the common case, skip the
 * schema; failures keep their whole `Cause` (typed errors, defects, interrupts).
 */
export const encodeExit = (exit: Exit.Exit<unknown, unknown>): string =>
  Exit.isSuccess(exit)
    ? JSON.stringify({ _tag: "Success", value: exit.value })
    : JSON.stringify(encodeExitSlow(exit))

export const decodeExit = (text: string): Exit.Exit<unknown, unknown> => {
  const json = JSON.parse(text) as { readonly _tag?: unknown; readonly value?: unknown }
  return json._tag === "Success"
    ? Exit.succeed(json.value)
    : (decodeExitSlow(json) as Exit.Exit<unknown, unknown>)
}

/** Per-workflow codecs for its payload and its `Workflow.Result`. */
export interface WorkflowCodec {
  readonly encodePayload: (payload: object) => string
  readonly decodePayload: (text: string) => object
  readonly encodeResult: (result: Workflow.Result<unknown, unknown>) => string
  readonly decodeResult: (text: string) => Workflow.Result<unknown, unknown>
}

export const workflowCodec = (workflow: Workflow.Any): WorkflowCodec => {
  const payload = Schema.toCodecJson(workflow.payloadSchema as unknown as Schema.Codec<object, unknown>)
  const result = Schema.toCodecJson(
    Workflow.Result({
      success: workflow.successSchema,
      error: workflow.errorSchema,
    }) as unknown as Schema.Codec<Workflow.Result<unknown, unknown>, unknown>,
  )
  const encodeP = Schema.encodeSync(payload)
  const decodeP = Schema.decodeUnknownSync(payload)
  const encodeR = Schema.encodeSync(result)
  const decodeR = Schema.decodeUnknownSync(result)
  return {
    encodePayload: (p) => JSON.stringify(encodeP(p)),
    decodePayload: (text) => decodeP(JSON.parse(text)),
    encodeResult: (r) => JSON.stringify(encodeR(r)),
    decodeResult: (text) => decodeR(JSON.parse(text)),
  }
}
