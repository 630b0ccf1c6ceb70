import { project } from "../vitest.shared.ts"

export default project("examples", { include: ["*/test/**/*.test.ts"], testTimeout: 60_000 })
