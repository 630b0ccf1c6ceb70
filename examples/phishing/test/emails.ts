import { readFileSync } from "node:fs"

const dir = new URL("../../demo/emails/", import.meta.url)

/** A demo sample as the playbook's trigger input. */
export const report = (file: string, reporter = "reporter@corp.example") => ({
  emlBase64: readFileSync(new URL(file, dir)).toString("base64"),
  reporter,
  reportedAt: "2026-11-23T09:00:00.000Z",
})
