/**
 * Reported emails for W3: the demo's sample messages, each copy made unique (its own
 * Message-ID, so its own run and its own copies in the seeded mailboxes).
 */
import { readdirSync, readFileSync } from "node:fs"
import type { Report } from "../../examples/phishing/src/playbook.ts"

const dir = new URL("../../examples/demo/emails/", import.meta.url)

export const samples: ReadonlyArray<string> = readdirSync(dir)
  .filter((f) => f.endsWith(".eml"))
  .sort()
  .map((f) => readFileSync(new URL(f, dir), "latin1"))

/** The n-th alert: sample n % samples, with Message-ID <bench-n@corp.example>. */
export const alert = (
  n: number,
): { readonly report: Report; readonly messageId: string; readonly subject: string } => {
  const raw = samples[n % samples.length]!
  const messageId = `<bench-${n}@corp.example>`
  const headerEnd = raw.search(/\r?\n\r?\n/)
  const head = raw.slice(0, headerEnd).replace(/^Message-ID:.*(\r?\n[ \t].*)*\r?\n?/im, "")
  const eml = `Message-ID: ${messageId}\r\n${head}${raw.slice(headerEnd)}`
  const subject = /^Subject:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? ""
  return {
    report: {
      emlBase64: Buffer.from(eml, "latin1").toString("base64"),
      reporter: "reporter@corp.example",
      reportedAt: "2026-11-23T09:00:00.000Z",
    },
    messageId,
    subject,
  }
}
