// Microsoft Sentinel / Defender for Cloud entities (Account, Host, Ip, File, Process, Url, …).
// Sentinel ARM entities carry `kind` + `properties`; Defender for Cloud alert entities are flat
// objects with a lower-case `type`. Both map onto the same builder calls.
import type { Builder } from "../Observables.ts"
import { arr, firstStr, isRecord, str } from "../Read.ts"

export const addEntity = (b: Builder, entity: unknown): void => {
  if (!isRecord(entity)) return
  const kind = (firstStr(entity, ["kind"], ["type"], ["Type"]) ?? "").toLowerCase()
  const p = isRecord(entity.properties) ? entity.properties : entity
  switch (kind) {
    case "account":
      b.user(firstStr(p, ["accountName"], ["name"], ["Name"], ["friendlyName"]), {
        domain: firstStr(p, ["ntDomain"], ["NTDomain"], ["upnSuffix"], ["dnsDomain"]),
        uid: firstStr(p, ["sid"], ["Sid"], ["aadUserId"], ["objectGuid"]),
        email: firstStr(p, ["userPrincipalName"], ["upn"]),
        displayName: str(p, "displayName"),
      })
      return
    case "host":
      b.host(firstStr(p, ["hostName"], ["HostName"], ["netBiosName"], ["fqdn"], ["friendlyName"]), {
        uid: firstStr(p, ["azureID"], ["omsAgentID"], ["azureId"]),
        os: firstStr(p, ["osFamily"], ["operatingSystem"]),
      })
      return
    case "ip":
      b.ip(firstStr(p, ["address"], ["Address"]), {
        country: firstStr(p, ["location", "countryCode"], ["location", "countryName"]),
        city: str(p, "location", "city"),
      })
      return
    case "file":
      b.file({
        name: firstStr(p, ["fileName"], ["name"], ["Name"]),
        path: ((dir, name) => (dir && name ? `${dir.replace(/[\\/]$/, "")}\\${name}` : undefined))(
          firstStr(p, ["directory"], ["Directory"]),
          firstStr(p, ["fileName"], ["name"], ["Name"]),
        ),
        hashes: arr(p, "fileHashes").map((h) => firstStr(h, ["hashValue"], ["value"], ["Value"])),
      })
      return
    case "filehash":
      b.hash(firstStr(p, ["hashValue"], ["value"], ["Value"]))
      return
    case "process":
      b.process({
        pid: firstStr(p, ["processId"], ["ProcessId"]),
        commandLine: firstStr(p, ["commandLine"], ["CommandLine"]),
      })
      return
    case "url":
      b.url(firstStr(p, ["url"], ["Url"]))
      return
    case "dns":
      b.domain(firstStr(p, ["domainName"], ["DomainName"]))
      return
    case "mailbox":
      b.email(firstStr(p, ["mailboxPrimaryAddress"], ["upn"]))
      return
    case "mailmessage":
      b.email(firstStr(p, ["sender"], ["p1Sender"], ["p2Sender"]))
      b.email(str(p, "recipient"))
      return
    default:
      return
  }
}
