/**
 * Reads the recorded Okta VCR cassettes in `fixtures/` (okta/okta-sdk-python, Apache-2.0; see
 * fixtures/SOURCES.md). Only what the tests need:
 * each interaction's method, URI, status and response body (YAML single-quoted scalars, with
 * `''` escapes and folded line breaks).
 */
import { readFileSync } from "node:fs"

export interface Interaction {
  readonly method: string
  readonly uri: string
  readonly status: number
  readonly body: string
}

const unquote = (raw: string): string =>
  raw
    .replace(/\n[ \t]*\n/g, "\u0000")
    .replace(/\n[ \t]*/g, " ")
    .replaceAll("\u0000", "\n")
    .replaceAll("''", "'")

export const load = (name: string): ReadonlyArray<Interaction> => {
  const url = new URL(`fixtures/${name}`, import.meta.url)
  const text = readFileSync(url, "utf8")
  return text
    .split(/^- request:$/m)
    .slice(1)
    .map((chunk) => {
      const [request = "", response = ""] = chunk.split(/^ {2}response:$/m)
      const method = /^ {4}method: (\S+)$/m.exec(request)?.[1]
      const uri = /^ {4}uri: (\S+)$/m.exec(request)?.[1]
      const status = /^ {6}code: (\d+)$/m.exec(response)?.[1]
      const body = /^ {6}string: '((?:[^']|'')*)'$/m.exec(response)?.[1]
      if (method === undefined || uri === undefined || status === undefined || body === undefined) {
        throw new Error(`unreadable interaction in ${name}`)
      }
      return { method, uri, status: Number(status), body: unquote(body) }
    })
}

/** The one interaction whose method and URI path end match. */
export const find = (name: string, method: string, pathSuffix: RegExp): Interaction => {
  const found = load(name).filter((i) => i.method === method && pathSuffix.test(new URL(i.uri).pathname))
  if (found.length !== 1)
    throw new Error(`${found.length} interactions match ${method} ${pathSuffix} in ${name}`)
  return found[0] as Interaction
}

/** The response body as JSON (`undefined` for an empty body). */
export const json = (interaction: Interaction): unknown =>
  interaction.body === "" ? undefined : JSON.parse(interaction.body)
