import { defineProject, type TestProjectInlineConfiguration } from "vitest/config"

/** Workspace packages resolve to their TypeScript sources through this export condition. */
export const conditions = ["@riposte/source"]

/**
 * The vitest project of one workspace package. Projects do not inherit the root's `resolve`
 * and `ssr` settings, so every project sets the source condition here.
 */
export const project = (name: string, test: TestProjectInlineConfiguration["test"] = {}) =>
  defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: { name, include: ["test/**/*.test.ts"], ...test },
  })
