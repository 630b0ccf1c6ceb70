// Collects observables and entities with normalization and de-duplication.
import { isIPv4, isIPv6 } from "node:net"
import type { Entities, File, Host, Observable, ObservableType, Process, User } from "../Alert.ts"

/** Undo common defanging: hxxp, [.], (.), {.}, [:], [@], [at], [dot]. */
export const refang = (s: string): string =>
  s
    .trim()
    .replace(/^hxxp/i, "http")
    .replace(/^fxp/i, "ftp")
    .replace(/\[\s*(\.|dot)\s*\]|\(\s*(\.|dot)\s*\)|\{\s*(\.|dot)\s*\}/gi, ".")
    .replace(/\[\s*(@|at)\s*\]|\(\s*(@|at)\s*\)/gi, "@")
    .replace(/\[:\]/g, ":")
    .replace(/\[:\/\/\]/g, "://")

const hex = /^[0-9a-f]+$/
const hashTypes = { 32: "md5", 40: "sha1", 64: "sha256" } as const

/** The hash type of a hex digest by length, or undefined when it is not a digest. */
export const hashType = (value: string): "md5" | "sha1" | "sha256" | undefined => {
  const v = value.trim().toLowerCase()
  if (!hex.test(v)) return undefined
  return hashTypes[v.length as 32 | 40 | 64]
}

export const normalizeUrl = (raw: string): string | undefined => {
  const r = refang(raw)
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(r)) return undefined
  try {
    return new URL(r).href
  } catch {
    return undefined
  }
}

const domainRe = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/

export const normalizeDomain = (raw: string): string | undefined => {
  const d = refang(raw).toLowerCase().replace(/\.$/, "")
  return domainRe.test(d) ? d : undefined
}

export const normalizeEmail = (raw: string): string | undefined => {
  const e = refang(raw).toLowerCase()
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e) ? e : undefined
}

export const ipVersion = (raw: string): "ipv4" | "ipv6" | undefined => {
  const v = refang(raw)
  return isIPv4(v) ? "ipv4" : isIPv6(v) ? "ipv6" : undefined
}

const basename = (path: string): string => path.split(/[\\/]/).pop() ?? path

export class Builder {
  readonly observables: Array<Observable> = []
  private readonly seen = new Set<string>()
  private readonly users = new Map<string, User>()
  private readonly hosts = new Map<string, Host>()
  private readonly ips = new Map<string, Entities["ips"][number]>()
  private readonly files = new Map<string, File>()
  private readonly processes = new Map<string, Process>()

  add(type: ObservableType, value: string, raw: string): void {
    const key = `${type}\u0000${value}`
    if (this.seen.has(key)) return
    this.seen.add(key)
    this.observables.push({ type, value, raw })
  }

  /** Adds an IP when `raw` is a valid IPv4/IPv6 address; returns the normalized address. */
  ip(
    raw: string | undefined,
    geo?: { country?: string | undefined; city?: string | undefined },
  ): string | undefined {
    if (raw === undefined) return undefined
    const version = ipVersion(raw)
    if (version === undefined) return undefined
    const value = refang(raw).toLowerCase()
    this.add(version, value, raw)
    const prev = this.ips.get(value)
    this.ips.set(value, {
      address: value,
      ...(geo?.country ? { country: geo.country } : prev?.country ? { country: prev.country } : {}),
      ...(geo?.city ? { city: geo.city } : prev?.city ? { city: prev.city } : {}),
    })
    return value
  }

  /** A host by name (an IP given as a host name becomes an IP), optional uid, ips and OS. */
  host(
    name: string | undefined,
    extra: {
      uid?: string | undefined
      ips?: ReadonlyArray<string | undefined>
      os?: string | undefined
    } = {},
  ): void {
    const ips = (extra.ips ?? []).flatMap((i) => {
      const v = this.ip(i)
      return v === undefined ? [] : [v]
    })
    let value: string | undefined
    if (name !== undefined) {
      if (this.ip(name) !== undefined) {
        if (extra.uid === undefined) return
      } else {
        value = refang(name).toLowerCase()
        this.add("host", value, name)
      }
    }
    if (value === undefined && extra.uid === undefined) return
    const key = value ?? `uid:${extra.uid}`
    const prev = this.hosts.get(key)
    this.hosts.set(key, {
      ...(value !== undefined ? { name: value } : {}),
      ...(extra.uid !== undefined ? { uid: extra.uid } : prev?.uid !== undefined ? { uid: prev.uid } : {}),
      ips: [...new Set([...(prev?.ips ?? []), ...ips])],
      ...(extra.os !== undefined ? { os: extra.os } : prev?.os !== undefined ? { os: prev.os } : {}),
    })
  }

  /** A user; an e-mail-shaped name also yields an `email` observable. */
  user(
    name: string | undefined,
    extra: {
      uid?: string | undefined
      domain?: string | undefined
      email?: string | undefined
      displayName?: string | undefined
    } = {},
  ): void {
    if (name === undefined) return
    this.add("user", name, name)
    const email = this.email(extra.email) ?? this.email(name)
    const key = `${extra.domain ?? ""}\\${name}`
    const prev = this.users.get(key)
    this.users.set(key, {
      ...prev,
      name,
      ...(extra.uid !== undefined ? { uid: extra.uid } : {}),
      ...(extra.domain !== undefined ? { domain: extra.domain } : {}),
      ...(email !== undefined ? { email } : {}),
      ...(extra.displayName !== undefined ? { displayName: extra.displayName } : {}),
    })
  }

  email(raw: string | undefined): string | undefined {
    if (raw === undefined) return undefined
    const v = normalizeEmail(raw)
    if (v !== undefined) this.add("email", v, raw)
    return v
  }

  domain(raw: string | undefined): void {
    if (raw === undefined) return
    const v = normalizeDomain(raw)
    if (v !== undefined) this.add("domain", v, raw)
  }

  url(raw: string | undefined): void {
    if (raw === undefined) return
    const v = normalizeUrl(raw)
    if (v !== undefined) this.add("url", v, raw)
  }

  mac(raw: string | undefined): void {
    if (raw === undefined) return
    const v = raw.trim().toLowerCase().replace(/-/g, ":")
    if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(v)) this.add("mac", v, raw)
  }

  /** Adds a hash when it is a well-formed hex digest (placeholders are ignored). */
  hash(raw: string | undefined): { type: "md5" | "sha1" | "sha256"; value: string } | undefined {
    if (raw === undefined) return undefined
    const type = hashType(raw)
    if (type === undefined) return undefined
    const value = raw.trim().toLowerCase()
    this.add(type, value, raw)
    return { type, value }
  }

  /** A file by name and/or path, with optional hashes. */
  file(f: {
    name?: string | undefined
    path?: string | undefined
    hashes?: ReadonlyArray<string | undefined>
  }): void {
    const name = f.name ?? (f.path !== undefined ? basename(f.path) : undefined)
    const digests = (f.hashes ?? []).flatMap((h) => {
      const d = this.hash(h)
      return d === undefined ? [] : [d]
    })
    if (name === undefined) return
    this.add("filename", name, name)
    if (f.path !== undefined) this.add("file_path", f.path, f.path)
    const key = `${f.path ?? ""}|${name}`
    const file: File = { name, ...(f.path !== undefined ? { path: f.path } : {}) }
    const hashes: { -readonly [K in "sha256" | "sha1" | "md5"]?: string } = {}
    for (const d of digests) hashes[d.type] = d.value
    const withHashes: File = { ...this.files.get(key), ...file, ...hashes }
    this.files.set(key, withHashes)
  }

  process(p: {
    pid?: string | undefined
    name?: string | undefined
    path?: string | undefined
    commandLine?: string | undefined
  }): void {
    const name = p.name ?? (p.path !== undefined ? basename(p.path) : undefined)
    if (name !== undefined) this.add("process", name, name)
    if (p.commandLine !== undefined) this.add("command_line", p.commandLine, p.commandLine)
    if (name === undefined && p.commandLine === undefined && p.pid === undefined) return
    const proc: Process = {
      ...(p.pid !== undefined ? { pid: p.pid } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(p.path !== undefined ? { path: p.path } : {}),
      ...(p.commandLine !== undefined ? { commandLine: p.commandLine } : {}),
    }
    this.processes.set(`${p.pid ?? ""}|${name ?? ""}|${p.commandLine ?? ""}`, proc)
  }

  entities(): Entities {
    return {
      users: [...this.users.values()],
      hosts: [...this.hosts.values()],
      ips: [...this.ips.values()],
      files: [...this.files.values()],
      processes: [...this.processes.values()],
    }
  }
}
