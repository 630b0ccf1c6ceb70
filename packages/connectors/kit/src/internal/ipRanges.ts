/**
 * Address ranges a URL taken from an alert must never reach. `net.BlockList` also matches
 * IPv4-mapped IPv6 (`::ffff:127.0.0.1`) against the IPv4 rules.
 */
import net from "node:net"

const v4: ReadonlyArray<readonly [string, number]> = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // CGNAT (also Alibaba metadata 100.100.100.200)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (AWS/GCP/Azure metadata 169.254.169.254)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved + broadcast
]
const v6: ReadonlyArray<readonly [string, number]> = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b::", 96], // NAT64 (embeds an IPv4 address we cannot vouch for)
  ["2002::", 16], // 6to4 (embeds an IPv4 address)
  ["fc00::", 7], // unique local (AWS IMDS fd00:ec2::254)
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
]

const blocked = new net.BlockList()
for (const [address, prefix] of v4) blocked.addSubnet(address, prefix, "ipv4")
for (const [address, prefix] of v6) blocked.addSubnet(address, prefix, "ipv6")

/** `true` when `address` (an IP literal) is private, loopback, link-local, metadata, multicast… */
export const isBlockedAddress = (address: string): boolean => {
  const family = net.isIP(address)
  if (family === 0) return true
  return blocked.check(address, family === 4 ? "ipv4" : "ipv6")
}

/** Parses `a.b.c.d/n` or `v6/n` (or a bare address) into a matcher. */
export const parseCidr = (entry: string): ((address: string) => boolean) | undefined => {
  const [address, prefixText] = entry.split("/")
  if (address === undefined) return undefined
  const family = net.isIP(address)
  if (family === 0) return undefined
  const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText)
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return undefined
  const list = new net.BlockList()
  list.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6")
  return (candidate) => {
    const f = net.isIP(candidate)
    return f !== 0 && list.check(candidate, f === 4 ? "ipv4" : "ipv6")
  }
}
