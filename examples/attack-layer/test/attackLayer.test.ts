import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { playbook } from "@riposte/core"
import { Schema } from "effect"
import { build, catalog, passingExamples } from "../src/AttackLayer.ts"
import { examples } from "../src/Registry.ts"

const names = catalog(
  new URL("../../../../shared/corpus/stix/mitre-cti-enterprise-attack/attack-pattern", import.meta.url)
    .pathname,
)
const all = new Set(examples.map((e) => e.dir))
const ids = (layer: ReturnType<typeof build>) => layer.techniques.map((t) => t.techniqueID)

describe("ATT&CK Navigator layer", () => {
  it("the local ATT&CK subset names its techniques (and skips nothing valid)", () => {
    assert.strictEqual(names.get("T1566"), "Phishing")
    assert.strictEqual(names.get("T1078.004"), "Cloud Accounts")
    assert.strictEqual(names.size, 15)
  })

  it("lists the techniques of the phishing and malware-containment playbooks, with names and playbooks", () => {
    const layer = build(examples, all, names)
    assert.strictEqual(layer.versions.layer, "4.5")
    assert.strictEqual(layer.domain, "enterprise-attack")
    for (const id of ["T1566", "T1566.001", "T1566.002", "T1204.002", "T1486", "T1134"])
      assert.include(ids(layer), id)
    const phishing = layer.techniques.find((t) => t.techniqueID === "T1566")!
    assert.strictEqual(phishing.comment, "Phishing: phishing@1.0.0")
    const file = layer.techniques.find((t) => t.techniqueID === "T1204.002")!
    assert.include(file.comment, "malware-containment@1.0.0")
    assert.strictEqual(file.comment.split(":")[0], "Malicious File")
  })

  it("an example whose tests fail contributes nothing", () => {
    const layer = build(examples, new Set([...all].filter((d) => d !== "malware-containment")), names)
    assert.notInclude(ids(layer), "T1486")
    assert.notInclude(ids(layer), "T1134")
    assert.notInclude(
      layer.techniques.find((t) => t.techniqueID === "T1204.002")!.comment,
      "malware-containment",
    )
  })

  it("a malformed technique id is an error, not a silent gap", () => {
    const typo = playbook("typo", { version: "1", attack: ["T15666"] })
      .trigger(Schema.String)
      .close("x")
    assert.throws(
      () => build([{ dir: "typo", playbooks: [typo] }], new Set(["typo"]), names),
      /'T15666' is not an ATT&CK technique id/,
    )
  })

  it("maps a vitest JSON report to passing examples: one failing file fails its example", () => {
    const passing = passingExamples({
      testResults: [
        { name: "/repo/examples/triage/test/a.test.ts", status: "passed" },
        { name: "/repo/examples/ioc-hunt/test/a.test.ts", status: "passed" },
        { name: "/repo/examples/ioc-hunt/test/b.test.ts", status: "failed" },
        { name: "/repo/packages/core/test/x.test.ts", status: "passed" },
      ],
    })
    assert.deepStrictEqual([...passing], ["triage"])
  })

  it("the generated examples/attack-layer.json lists the phishing and containment techniques", () => {
    const layer = JSON.parse(readFileSync(new URL("../../attack-layer.json", import.meta.url), "utf8"))
    const listed = (layer.techniques as ReadonlyArray<{ techniqueID: string; comment: string }>).map(
      (t) => t.techniqueID,
    )
    for (const p of ["phishing", "malware-containment"]) {
      const example = examples.find((e) => e.dir === p)!
      for (const id of example.playbooks.flatMap((x) => x.definition.meta.attack ?? []))
        assert.include(listed, id, `${p}: ${id}`)
    }
  })
})
