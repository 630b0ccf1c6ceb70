// Microsoft Graph security API: `security/alerts_v2` (Defender XDR alerts with `evidence`),
// `security/incidents` (optionally with `$expand=alerts`) and the legacy `Security/alerts` (v1,
// `vendorInformation` + `fileStates`/`hostStates`/…).

import { make, severityFromName } from "../Make.ts"
import { Builder } from "../Observables.ts"
import { arr, firstStr, isRecord, reqStr, reqTime, str, strs } from "../Read.ts"
import type { Normalizer } from "./Normalizer.ts"

const context = (u: Record<string, unknown>): string => str(u, "@odata.context") ?? ""

const isLegacy = (u: unknown): u is Record<string, unknown> =>
  isRecord(u) && (isRecord(u.vendorInformation) || /#Security\/alerts(\/|$)/.test(context(u)))
const isV2 = (u: unknown): u is Record<string, unknown> =>
  isRecord(u) &&
  (/security\/alerts_v2/i.test(context(u)) ||
    (typeof u.serviceSource === "string" && typeof u.detectionSource === "string"))
const isIncident = (u: unknown): u is Record<string, unknown> =>
  isRecord(u) && (/security\/incidents/i.test(context(u)) || typeof u.incidentWebUrl === "string")

const evidence = (b: Builder, e: unknown): void => {
  const type = (str(e, "@odata.type") ?? "").replace(/^#microsoft\.graph\.security\./, "")
  const account = (a: unknown) =>
    b.user(firstStr(a, ["accountName"], ["userPrincipalName"]), {
      domain: str(a, "domainName"),
      uid: firstStr(a, ["userSid"], ["azureAdUserId"]),
      email: str(a, "userPrincipalName"),
      displayName: str(a, "displayName"),
    })
  const file = (f: unknown) =>
    b.file({
      name: str(f, "fileName"),
      path: str(f, "filePath"),
      hashes: [str(f, "sha256"), str(f, "sha1"), str(f, "md5")],
    })
  switch (type) {
    case "deviceEvidence":
      b.host(firstStr(e, ["deviceDnsName"], ["hostName"]), {
        uid: firstStr(e, ["mdeDeviceId"], ["azureAdDeviceId"]),
        ips: arr(e, "ipInterfaces").map((i) => str(i)),
        os: str(e, "osPlatform"),
      })
      return
    case "userEvidence":
      account(isRecord(e) ? e.userAccount : undefined)
      return
    case "ipEvidence":
      b.ip(str(e, "ipAddress"), { country: str(e, "countryLetterCode") })
      return
    case "urlEvidence":
      b.url(str(e, "url"))
      return
    case "fileEvidence":
      file(isRecord(e) ? e.fileDetails : undefined)
      return
    case "processEvidence":
      b.process({
        pid: str(e, "processId"),
        name: str(e, "imageFile", "fileName"),
        path: str(e, "imageFile", "filePath"),
        commandLine: str(e, "processCommandLine"),
      })
      file(isRecord(e) ? e.imageFile : undefined)
      return
    case "mailboxEvidence":
      b.email(str(e, "primaryAddress"))
      return
    case "analyzedMessageEvidence":
      b.email(str(e, "recipientEmailAddress"))
      b.email(str(e, "p1Sender", "emailAddress"))
      b.email(str(e, "p2Sender", "emailAddress"))
      b.ip(str(e, "senderIp"))
      return
    default:
      return
  }
}

const v2 = (u: Record<string, unknown>) => {
  const b = new Builder()
  for (const e of arr(u, "evidence")) evidence(b, e)
  const title = reqStr(u, "title")
  return make({
    source: "graph-security",
    id: reqStr(u, "id"),
    time: reqTime(u, ["createdDateTime"], ["firstActivityDateTime"]),
    severity: severityFromName(str(u, "severity")),
    title,
    description: str(u, "description"),
    rule: { name: firstStr(u, ["alertPolicyId"]) ?? title, uid: str(u, "detectorId") },
    vendor: { name: "Microsoft", product: str(u, "serviceSource") ?? "Microsoft Defender XDR" },
    builder: b,
    techniques: strs(u, "mitreTechniques"),
    raw: u,
  })
}

const incident = (u: Record<string, unknown>) => {
  const b = new Builder()
  const alerts = arr(u, "alerts")
  for (const a of alerts) for (const e of arr(a, "evidence")) evidence(b, e)
  const title = reqStr(u, "displayName")
  return make({
    source: "graph-security",
    id: `incident:${reqStr(u, "id")}`,
    time: reqTime(u, ["createdDateTime"]),
    severity: severityFromName(str(u, "severity")),
    title,
    description: str(u, "description"),
    rule: { name: title },
    vendor: { name: "Microsoft", product: "Microsoft Defender XDR" },
    builder: b,
    techniques: alerts.flatMap((a) => strs(a, "mitreTechniques")),
    raw: u,
  })
}

const legacy = (u: Record<string, unknown>) => {
  const b = new Builder()
  for (const h of arr(u, "hostStates")) {
    b.host(firstStr(h, ["fqdn"], ["netBiosName"]), {
      ips: [str(h, "privateIpAddress"), str(h, "publicIpAddress")],
      os: str(h, "os"),
    })
  }
  for (const f of arr(u, "fileStates")) {
    b.file({ name: str(f, "name"), path: str(f, "path"), hashes: [str(f, "fileHash", "hashValue")] })
  }
  for (const us of arr(u, "userStates")) {
    b.user(firstStr(us, ["accountName"], ["userPrincipalName"]), {
      domain: str(us, "domainName"),
      email: str(us, "userPrincipalName"),
      uid: str(us, "aadUserId"),
    })
  }
  for (const p of arr(u, "processes")) {
    b.process({
      pid: str(p, "processId"),
      name: str(p, "name"),
      path: str(p, "path"),
      commandLine: str(p, "commandLine"),
    })
    b.hash(str(p, "fileHash", "hashValue"))
  }
  for (const n of arr(u, "networkConnections")) {
    b.ip(str(n, "destinationAddress"))
    b.ip(str(n, "sourceAddress"))
    b.domain(str(n, "destinationDomain"))
    b.url(str(n, "destinationUrl"))
  }
  const title = reqStr(u, "title")
  return make({
    source: "graph-security",
    id: reqStr(u, "id"),
    time: reqTime(u, ["createdDateTime"], ["eventDateTime"]),
    severity: severityFromName(str(u, "severity")),
    title,
    description: str(u, "description"),
    rule: { name: str(u, "category") ?? title },
    vendor: {
      name: str(u, "vendorInformation", "vendor") ?? "Microsoft",
      product: str(u, "vendorInformation", "provider") ?? "Microsoft Graph Security",
    },
    builder: b,
    raw: u,
  })
}

export const GraphSecurity: Normalizer = {
  vendor: "graph-security",
  isItem: (u) => isV2(u) || isIncident(u) || isLegacy(u),
  items: (json) => {
    if (Array.isArray(json)) return json
    if (!isRecord(json)) return undefined
    return Array.isArray(json.value) ? json.value : [json]
  },
  normalizeItem: (u) => {
    if (isIncident(u)) return [incident(u)]
    if (isV2(u)) return [v2(u)]
    return [legacy(u as Record<string, unknown>)]
  },
}
