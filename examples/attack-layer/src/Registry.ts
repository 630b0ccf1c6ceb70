/**
 * Every example playbook, by example directory. Factories are built with an empty
 * configuration: the ATT&CK metadata does not depend on it.
 */
import type { Playbook } from "@riposte/core"
import { makeImpossibleTravel } from "../../impossible-travel/src/playbook.ts"
import { iocHunt, iocHuntHost } from "../../ioc-hunt/src/playbook.ts"
import { malwareContainment } from "../../malware-containment/src/playbook.ts"
import { phishing } from "../../phishing/src/playbook.ts"
import { phishing as quickstart } from "../../quickstart/src/playbook.ts"
import { makeThreatIntel } from "../../threat-intel/src/playbook.ts"
import { makeTriage } from "../../triage/src/playbook.ts"
import { makeVulnRouting, vulnSlaCheck } from "../../vuln-routing/src/playbook.ts"

export interface Example {
  /** The directory under examples/ (its tests are `<dir>/test/**\/*.test.ts`). */
  readonly dir: string
  readonly playbooks: ReadonlyArray<Playbook.Any>
}

export const examples: ReadonlyArray<Example> = [
  { dir: "phishing", playbooks: [phishing] },
  { dir: "quickstart", playbooks: [quickstart] },
  { dir: "triage", playbooks: [makeTriage({ assets: {}, allowList: [] })] },
  { dir: "malware-containment", playbooks: [malwareContainment] },
  { dir: "impossible-travel", playbooks: [makeImpossibleTravel({ privileged: [] })] },
  { dir: "ioc-hunt", playbooks: [iocHunt, iocHuntHost] },
  {
    dir: "vuln-routing",
    playbooks: [
      makeVulnRouting({ owners: {}, fallback: { team: "secops", projectKey: "SEC" } }),
      vulnSlaCheck,
    ],
  },
  {
    dir: "threat-intel",
    playbooks: [makeThreatIntel({ batchSize: 50, maxBatches: 10, defaultTtlDays: 30 })],
  },
]
