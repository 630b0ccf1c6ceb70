/**
 * Fixtures shared by the contract suite's test groups.
 */
import { type CaseModel, CaseStore } from "@riposte/core"
import { Effect, Exit } from "effect"

export type Test = (title: string, body: () => Effect.Effect<void, unknown, CaseStore.CaseStore>) => void

export const HOUR = 60 * 60 * 1000
export const user: CaseModel.Actor = { kind: "user", id: "alice" }
export const base = { severity: "high", playbook: "phish", playbookVersion: "1" } as const

export const store = CaseStore.CaseStore

/** Runs an effect expected to fail with a `CaseStoreError` and returns the error. */
export const failure = <A>(self: Effect.Effect<A, CaseStore.CaseStoreError>) =>
  Effect.flatMap(Effect.exit(self), (exit) => {
    if (Exit.isSuccess(exit))
      return Effect.die(new Error(`expected a failure, got ${JSON.stringify(exit.value)}`))
    const reason = exit.cause.reasons[0]
    if (reason?._tag !== "Fail") return Effect.die(new Error("expected a typed failure"))
    return Effect.succeed(reason.error)
  })

export const action = (caseId: string, extra: Partial<CaseStore.NewAction> = {}): CaseStore.NewAction => ({
  caseId,
  stepPath: "contain/block",
  connector: "firewall",
  action: "blockIp",
  kind: "destructive",
  inputHash: "h1",
  input: { ip: "203.0.113.9", nested: { ok: true } },
  outputSummary: "blocked",
  status: "succeeded",
  idempotencyKey: "run-1/contain/block",
  approvalRef: "ap-1",
  actor: { kind: "playbook", id: "phish" },
  ...extra,
})

export const approval = (caseId: string, id: string): CaseModel.ApprovalRecord => ({
  id,
  caseId,
  runId: "run-1",
  gate: "block-ip",
  summary: "Block 203.0.113.9?",
  payloadHash: "p1",
  decision: "pending",
  approvers: [],
  roles: ["soc-lead"],
  quorum: 1,
  requester: "phish",
  comment: null,
  requestedAt: 0,
  decidedAt: null,
  expiresAt: HOUR,
})
