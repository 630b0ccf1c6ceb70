import { defineConfig } from "tsdown"

export default defineConfig({
  entry: ["src/index.ts", "src/ConnectorContract.ts", "src/CaseStoreSuite.ts"],
  format: "esm",
  dts: true,
  platform: "node",
  target: "node22",
})
