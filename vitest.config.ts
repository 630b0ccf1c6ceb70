import { defineConfig } from "vitest/config"

// One project per workspace package: `npx vitest --project core` runs one.
// Packages resolve to their TypeScript sources through the "@riposte/source" condition.
export default defineConfig({
  resolve: { conditions: ["@riposte/source"] },
  ssr: { resolve: { conditions: ["@riposte/source"] } },
  test: {
    projects: ["packages/*", "packages/connectors/*", "examples"],
  },
})
