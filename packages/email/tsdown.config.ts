import { defineConfig } from "tsdown"

export default defineConfig({
  // The worker is its own entry: Email.ts spawns dist/internal/worker.mjs at run time.
  entry: { index: "src/index.ts", "internal/worker": "src/internal/worker.ts" },
  format: "esm",
  dts: true,
  platform: "node",
  target: "node22",
})
