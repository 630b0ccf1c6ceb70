import { defineConfig } from "vitest/config"
import { conditions } from "./vitest.shared.ts"

// One project per workspace package (each has its own vitest.config.ts built with
// `project()` from vitest.shared.ts): `npm test -- --project core` runs one.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      "packages/connectors/*/vitest.config.ts",
      "examples/vitest.config.ts",
    ],
  },
})
