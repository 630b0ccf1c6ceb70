import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Blocklist, BlocklistHttp } from "../src/index.ts"

// No vendor: the EDL service's own JSON answers (the shapes @riposte/simulators serves under /edl).
ConnectorContract.suite(Blocklist, {
  layer: (baseUrl, token) => BlocklistHttp.layer({ baseUrl, token }),
  fixtures: {
    add: {
      input: { value: "evil.example", ttlSeconds: 3600, comment: "phishing kit host" },
      response: { value: "evil.example", expiresAt: 1_767_225_600_000, created: true },
    },
    // 204 No Content
    remove: { input: { value: "evil.example" }, response: undefined },
    list: {
      input: {},
      response: {
        entries: [
          { value: "evil.example", expiresAt: null },
          { value: "203.0.113.7", expiresAt: 1 },
        ],
      },
    },
  },
})
