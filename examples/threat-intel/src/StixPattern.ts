/**
 * A bounded recursive-descent parser for STIX 2.1 patterns (no maintained JavaScript STIX
 * pattern parser exists on npm; the OASIS validator is Python/ANTLR). It parses the whole
 * grammar's structure — observation expressions joined by AND / OR / FOLLOWEDBY, qualifiers
 * (WITHIN, REPEATS, START/STOP), comparison expressions with AND / OR / NOT, every operator and
 * literal kind — and then {@link extract}s the equality comparisons on the supported observable
 * paths. Hostile input is bounded: pattern length, nesting depth and comparison count.
 */

export type Literal =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "timestamp" | "hex" | "binary"; readonly value: string }
  | { readonly kind: "set"; readonly values: ReadonlyArray<Literal> }

export type Comparison =
  | { readonly kind: "and" | "or"; readonly operands: ReadonlyArray<Comparison> }
  | {
      readonly kind: "compare"
      readonly objectType: string
      readonly path: ReadonlyArray<string>
      readonly negated: boolean
      readonly operator: string
      readonly value: Literal
    }

export type Observation =
  | { readonly kind: "observation"; readonly comparison: Comparison }
  | { readonly kind: "and" | "or" | "followedby"; readonly operands: ReadonlyArray<Observation> }

export const limits = { maxLength: 16_384, maxDepth: 32, maxComparisons: 1_000 } as const

export class PatternError extends Error {
  readonly position: number
  constructor(message: string, position: number) {
    super(`${message} at ${position}`)
    this.name = "PatternError"
    this.position = position
  }
}

const operators = [
  "ISSUBSET",
  "ISSUPERSET",
  "MATCHES",
  "LIKE",
  "IN",
  "<=",
  ">=",
  "!=",
  "=",
  "<",
  ">",
] as const

class Parser {
  private pos = 0
  private comparisons = 0
  private readonly src: string
  constructor(src: string) {
    this.src = src
  }
  private ws() {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++
  }
  private fail(message: string): never {
    throw new PatternError(message, this.pos)
  }
  private peek(s: string) {
    this.ws()
    return this.src.startsWith(s, this.pos)
  }
  /** A keyword, case-sensitive as the spec requires, not followed by an identifier character. */
  private keyword(k: string) {
    this.ws()
    if (!this.src.startsWith(k, this.pos)) return false
    const next = this.src[this.pos + k.length]
    if (next !== undefined && /[A-Za-z0-9_-]/.test(next)) return false
    this.pos += k.length
    return true
  }
  /** A symbolic operator at the current position (consumed when present). */
  private symbol(op: string) {
    if (!this.src.startsWith(op, this.pos)) return false
    this.pos += op.length
    return true
  }
  private expect(s: string) {
    if (!this.peek(s)) this.fail(`expected '${s}'`)
    this.pos += s.length
  }
  private guard(depth: number) {
    if (depth > limits.maxDepth) this.fail(`nesting deeper than ${limits.maxDepth}`)
  }

  pattern(depth = 0): Observation {
    this.guard(depth)
    let left = this.observation(depth)
    for (;;) {
      const join = this.keyword("FOLLOWEDBY")
        ? "followedby"
        : this.keyword("AND")
          ? "and"
          : this.keyword("OR")
            ? "or"
            : null
      if (join === null) return left
      const right = this.observation(depth)
      left = { kind: join, operands: [left, right] }
    }
  }
  private observation(depth: number): Observation {
    this.guard(depth)
    let result: Observation
    if (this.peek("[")) {
      this.pos++
      result = { kind: "observation", comparison: this.orExpr(depth + 1) }
      this.expect("]")
    } else if (this.peek("(")) {
      this.pos++
      result = this.pattern(depth + 1)
      this.expect(")")
    } else this.fail("expected '[' or '('")
    this.qualifiers()
    return result
  }
  private qualifiers() {
    for (;;) {
      if (this.keyword("WITHIN")) {
        this.number()
        if (!this.keyword("SECONDS")) this.fail("expected SECONDS")
      } else if (this.keyword("REPEATS")) {
        this.number()
        if (!this.keyword("TIMES")) this.fail("expected TIMES")
      } else if (this.keyword("START")) {
        this.literal()
        if (!this.keyword("STOP")) this.fail("expected STOP")
        this.literal()
      } else return
    }
  }
  private orExpr(depth: number): Comparison {
    this.guard(depth)
    const operands = [this.andExpr(depth)]
    while (this.keyword("OR")) operands.push(this.andExpr(depth))
    return operands.length === 1 ? operands[0]! : { kind: "or", operands }
  }
  private andExpr(depth: number): Comparison {
    const operands = [this.comparison(depth)]
    while (this.keyword("AND")) operands.push(this.comparison(depth))
    return operands.length === 1 ? operands[0]! : { kind: "and", operands }
  }
  private comparison(depth: number): Comparison {
    this.guard(depth)
    if (this.peek("(")) {
      this.pos++
      const inner = this.orExpr(depth + 1)
      this.expect(")")
      return inner
    }
    if (++this.comparisons > limits.maxComparisons)
      this.fail(`more than ${limits.maxComparisons} comparisons`)
    this.ws()
    const type = /^[a-z0-9][a-z0-9-]{0,249}/.exec(this.src.slice(this.pos, this.pos + 250))?.[0]
    if (type === undefined) this.fail("expected an object type")
    this.pos += type.length
    this.expect(":")
    const path = this.path()
    const negated = this.keyword("NOT")
    this.ws()
    const operator = operators.find((op) => (/^[A-Z]/.test(op) ? this.keyword(op) : this.symbol(op)))
    if (operator === undefined) this.fail("expected a comparison operator")
    const value = operator === "IN" ? this.set() : this.literal()
    return { kind: "compare", objectType: type, path, negated, operator, value }
  }
  private path(): Array<string> {
    const segments: Array<string> = []
    for (;;) {
      if (this.src[this.pos] === "'") segments.push(this.quoted())
      else {
        const id = /^[A-Za-z0-9_-]{1,250}/.exec(this.src.slice(this.pos, this.pos + 250))?.[0]
        if (id === undefined) this.fail("expected a property name")
        segments.push(id)
        this.pos += id.length
      }
      if (this.src.startsWith("[*]", this.pos)) {
        segments.push("*")
        this.pos += 3
      } else if (this.src[this.pos] === "[") {
        const index = /^\[(\d{1,9})\]/.exec(this.src.slice(this.pos, this.pos + 12))
        if (index === null) this.fail("expected a list index")
        segments.push(index[1]!)
        this.pos += index[0].length
      }
      if (this.src[this.pos] !== ".") return segments
      this.pos++
    }
  }
  private quoted(): string {
    if (this.src[this.pos] !== "'") this.fail("expected a quoted string")
    let out = ""
    for (let i = this.pos + 1; i < this.src.length; i++) {
      const c = this.src[i]!
      if (c === "\\") {
        const next = this.src[i + 1]
        if (next !== "'" && next !== "\\") this.fail("invalid escape (only \\' and \\\\)")
        out += next
        i++
      } else if (c === "'") {
        this.pos = i + 1
        return out
      } else out += c
    }
    return this.fail("unterminated string")
  }
  private number(): number {
    this.ws()
    const m = /^-?\d{1,20}(\.\d{1,20})?/.exec(this.src.slice(this.pos, this.pos + 45))
    if (m === null) this.fail("expected a number")
    this.pos += m[0].length
    return Number(m[0])
  }
  private literal(): Literal {
    this.ws()
    const c = this.src[this.pos]
    if (c === "'") return { kind: "string", value: this.quoted() }
    for (const [prefix, kind] of [
      ["t'", "timestamp"],
      ["h'", "hex"],
      ["b'", "binary"],
    ] as const) {
      if (this.src.startsWith(prefix, this.pos)) {
        this.pos++
        return { kind, value: this.quoted() }
      }
    }
    if (this.keyword("true")) return { kind: "bool", value: true }
    if (this.keyword("false")) return { kind: "bool", value: false }
    return { kind: "number", value: this.number() }
  }
  private set(): Literal {
    this.expect("(")
    const values = [this.literal()]
    while (this.peek(",")) {
      this.pos++
      values.push(this.literal())
    }
    this.expect(")")
    return { kind: "set", values }
  }
  done() {
    this.ws()
    if (this.pos !== this.src.length) this.fail("unexpected trailing input")
  }
}

/**
 * Parses a STIX pattern. Throws {@link PatternError} with the position of the first problem.
 *
 * @example
 * ```ts
 * parse("[ipv4-addr:value = '198.51.100.1'] OR [domain-name:value = 'evil.example']")
 * ```
 */
export const parse = (pattern: string): Observation => {
  if (pattern.length > limits.maxLength) throw new PatternError(`pattern longer than ${limits.maxLength}`, 0)
  const p = new Parser(pattern)
  const result = p.pattern()
  p.done()
  return result
}

export type IndicatorType = "ipv4" | "ipv6" | "domain" | "url" | "sha256" | "sha1" | "md5" | "email"

export interface Extracted {
  readonly type: IndicatorType
  readonly value: string
}

/** Supported `object:path` → indicator type (hash names compared case-insensitively, `-` optional). */
const typeOf = (objectType: string, path: ReadonlyArray<string>): IndicatorType | null => {
  const p = path.join(".")
  if (p === "value") {
    switch (objectType) {
      case "ipv4-addr":
        return "ipv4"
      case "ipv6-addr":
        return "ipv6"
      case "domain-name":
        return "domain"
      case "url":
        return "url"
      case "email-addr":
        return "email"
    }
  }
  if (objectType === "file" && path.length === 2 && path[0] === "hashes") {
    const h = path[1]!.toUpperCase().replace("-", "")
    return h === "SHA256" ? "sha256" : h === "SHA1" ? "sha1" : h === "MD5" ? "md5" : null
  }
  return null
}

/**
 * The indicators a pattern asserts, plus the reasons anything was left out. Taken: `=`
 * comparisons (not negated) on supported paths, through OR anywhere and through AND when every
 * comparison is about the same object type (e.g. a file's name AND its hashes). Left out, with
 * a reason: other paths/operators, AND across object types (a single object cannot match it),
 * and observation-level AND / FOLLOWEDBY (a correlation, not an indicator on its own).
 */
export const extract = (
  tree: Observation,
): { readonly indicators: Array<Extracted>; readonly skipped: Array<string> } => {
  const indicators: Array<Extracted> = []
  const skipped: Array<string> = []
  const types = (c: Comparison): Set<string> =>
    c.kind === "compare" ? new Set([c.objectType]) : new Set(c.operands.flatMap((o) => [...types(o)]))
  const walk = (c: Comparison) => {
    if (c.kind === "and" && types(c).size > 1) {
      skipped.push(`AND across object types (${[...types(c)].join(", ")})`)
      return
    }
    if (c.kind !== "compare") return c.operands.forEach(walk)
    const type = typeOf(c.objectType, c.path)
    const where = `${c.objectType}:${c.path.join(".")} ${c.negated ? "NOT " : ""}${c.operator}`
    if (type === null) skipped.push(`unsupported path ${c.objectType}:${c.path.join(".")}`)
    else if (c.negated || c.operator !== "=" || c.value.kind !== "string")
      skipped.push(`unsupported comparison ${where}`)
    else indicators.push({ type, value: c.value.value })
  }
  const observe = (o: Observation) => {
    if (o.kind === "observation") walk(o.comparison)
    else if (o.kind === "or") o.operands.forEach(observe)
    else skipped.push(`observation-level ${o.kind.toUpperCase()} (a correlation, not a standalone indicator)`)
  }
  observe(tree)
  return { indicators, skipped }
}
