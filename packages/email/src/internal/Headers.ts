import { isIP } from "node:net"
import type { Address, Header } from "postal-mime"
import type { Authentication, AuthResult, Mailbox, ReceivedHop } from "../ParsedEmail.ts"
import { isPublicIp, normalizeHost } from "./Normalize.ts"

/** Domain part of an address, normalised; "" when there is none. */
export const domainOf = (address: string): string => {
  const at = address.lastIndexOf("@")
  if (at < 0) return ""
  return normalizeHost(address.slice(at + 1).replace(/[>\s]+$/, "")) ?? ""
}

export const mailbox = (name: string, address: string): Mailbox => ({
  name: name.trim(),
  address: address.trim(),
  domain: domainOf(address.trim()),
})

/** Flattens postal-mime addresses (groups included) into mailboxes. */
export const mailboxes = (addresses: ReadonlyArray<Address> | Address | undefined): Array<Mailbox> => {
  if (addresses === undefined) return []
  const list = Array.isArray(addresses) ? addresses : [addresses as Address]
  const out: Array<Mailbox> = []
  for (const a of list) {
    if (a.group !== undefined) for (const m of a.group) out.push(mailbox(m.name ?? "", m.address ?? ""))
    else out.push(mailbox(a.name ?? "", a.address ?? ""))
  }
  return out
}

/** Return-Path: `<addr>` → mailbox, `<>` → null. */
export const returnPath = (value: string | undefined): Mailbox | null => {
  if (value === undefined) return null
  const addr = value.replace(/[<>\s]/g, "")
  return addr === "" ? null : mailbox("", addr)
}

const stripComments = (s: string): string => {
  let prev = ""
  let out = s
  // Comments nest; strip innermost first, bounded by the string length.
  for (let i = 0; i < 32 && prev !== out; i++) {
    prev = out
    out = out.replace(/\([^()]*\)/g, " ")
  }
  return out
}

/** Parses one Authentication-Results value (RFC 8601, tolerant of vendor variants). */
export const parseAuthenticationResults = (value: string): Array<AuthResult> => {
  const segments = stripComments(value)
    .split(";")
    .map((s) => s.trim())
  let authservId = ""
  const first = segments[0] ?? ""
  if (first !== "" && !/^[a-z][a-z0-9-]*\s*=/i.test(first)) {
    authservId = first.split(/\s+/)[0] ?? ""
    segments.shift()
  }
  const out: Array<AuthResult> = []
  for (const segment of segments) {
    const m = /^([a-z][a-z0-9_-]*)\s*=\s*([a-z0-9_-]+)(.*)$/is.exec(segment)
    if (m === null) continue
    const properties: Record<string, string> = {}
    const rest = m[3] ?? ""
    for (const p of rest.matchAll(/([a-z][a-z0-9_-]*\.[a-z0-9_.-]+)\s*=\s*("[^"]*"|[^\s;]+)/gi)) {
      properties[p[1]!.toLowerCase()] = p[2]!.replace(/^"|"$/g, "")
    }
    out.push({ authservId, method: m[1]!.toLowerCase(), result: m[2]!.toLowerCase(), properties })
  }
  return out
}

/** SPF/DKIM/DMARC/ARC verdicts from Authentication-Results (Received-SPF as SPF fallback). */
export const authentication = (headers: ReadonlyArray<Header>): Authentication => {
  const results: Array<AuthResult> = []
  for (const h of headers) {
    if (h.key === "authentication-results") results.push(...parseAuthenticationResults(h.value))
  }
  const pick = (method: string): string | null => results.find((r) => r.method === method)?.result ?? null
  let spf = pick("spf")
  if (spf === null) {
    const rs = headers.find((h) => h.key === "received-spf")
    const m = rs === undefined ? null : /^\s*([a-z]+)/i.exec(rs.value)
    if (m !== null) spf = m[1]!.toLowerCase()
  }
  return { spf, dkim: pick("dkim"), dmarc: pick("dmarc"), arc: pick("arc"), results }
}

const IP_IN_TEXT =
  /\[(?:IPv6:)?([0-9a-f:.]+)(?:%\w+)?\]|\(([0-9a-f:.]+)(?:%\w+)?\)|([0-9]{1,3}(?:\.[0-9]{1,3}){3})/gi

const firstIp = (s: string): string | null => {
  for (const m of s.matchAll(IP_IN_TEXT)) {
    const ip = (m[1] ?? m[2] ?? m[3] ?? "").toLowerCase()
    if (isIP(ip) !== 0) return ip
  }
  return null
}

/** Parses one Received header into from/by/ip/date. */
export const parseReceived = (value: string): ReceivedHop => {
  const flat = value.replace(/\s+/g, " ").trim()
  const semi = flat.lastIndexOf(";")
  const clauses = semi >= 0 ? flat.slice(0, semi) : flat
  const dateText = semi >= 0 ? flat.slice(semi + 1).trim() : ""
  const fromM = /(?:^|\s)from\s+(\S+)(.*?)(?=\s(?:by|with|id|via|for)\s|$)/i.exec(clauses)
  const byM = /(?:^|\s)by\s+([^\s;(]+)/i.exec(clauses)
  const fromHost = fromM?.[1] ?? null
  let ip: string | null = null
  if (fromM !== null) {
    const bare = (fromHost ?? "").replace(/^\[|\]$/g, "")
    ip = isIP(bare) !== 0 ? bare.toLowerCase() : firstIp(fromM[2] ?? "")
  }
  const time = dateText === "" ? Number.NaN : Date.parse(dateText.replace(/\s*\([^)]*\)\s*$/, ""))
  return {
    from: fromHost,
    by: byM?.[1] ?? null,
    ip,
    date: Number.isNaN(time) ? null : new Date(time).toISOString(),
    raw: value,
  }
}

export const receivedChain = (headers: ReadonlyArray<Header>): Array<ReceivedHop> =>
  headers.filter((h) => h.key === "received").map((h) => parseReceived(h.value))

/** The first external hop: the oldest Received header whose sending IP is public. */
export const originIp = (chain: ReadonlyArray<ReceivedHop>): string | null => {
  for (let i = chain.length - 1; i >= 0; i--) {
    const ip = chain[i]!.ip
    if (ip !== null && isPublicIp(ip)) return ip
  }
  return null
}
