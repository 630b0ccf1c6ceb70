import { project } from "../../vitest.shared.ts"

export default project("core", { testTimeout: 30_000 })
