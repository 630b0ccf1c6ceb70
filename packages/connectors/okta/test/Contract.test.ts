import { assert, describe, it } from "@effect/vitest"
import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Okta, OktaHttp } from "../src/index.ts"
import * as Cassette from "./cassette.ts"

const suspendCassette = "TestUsersResource.test_suspend_user.yaml"
const sessionsCassette = "TestUsersResource.test_revoke_user_sessions.yaml"
const getCassette = "TestUsersResource.test_create_get_user.yaml"
const [, getUser, getByLogin, , , getMissing] = Cassette.load(getCassette)
const suspend = Cassette.find(suspendCassette, "POST", /\/lifecycle\/suspend$/)
const unsuspend = Cassette.find(suspendCassette, "POST", /\/lifecycle\/unsuspend$/)
const sessions = Cassette.find(sessionsCassette, "DELETE", /\/sessions$/)
const userId = (i: Cassette.Interaction) => new URL(i.uri).pathname.split("/")[4] ?? ""

describe("recorded Okta interactions", () => {
  it("are the requests this connector sends", () => {
    assert.strictEqual(getUser?.method, "GET")
    assert.match(
      getByLogin?.uri ?? "",
      /\/api\/v1\/users\/John\.Doe-Get@example\.com$/,
      "a login addresses a user too",
    )
    assert.strictEqual(getMissing?.status, 404)
    assert.strictEqual(
      (Cassette.json(getMissing as Cassette.Interaction) as { errorCode: string }).errorCode,
      "E0000007",
    )
    assert.strictEqual(suspend.status, 200)
    assert.strictEqual(unsuspend.status, 200)
    assert.strictEqual(sessions.status, 204)
    assert.strictEqual(sessions.body, "")
    assert.strictEqual(
      (Cassette.json(getUser as Cassette.Interaction) as { status: string }).status,
      "STAGED",
    )
  })
})

// Recorded responses from okta/okta-sdk-python's VCR cassettes (test/fixtures, see SOURCES.md).
ConnectorContract.suite(Okta, {
  layer: (orgUrl, apiToken) => OktaHttp.layer({ orgUrl, apiToken, rateLimit: false }),
  fixtures: {
    getUser: {
      input: { userId: userId(getUser as Cassette.Interaction) },
      response: Cassette.json(getUser as Cassette.Interaction),
    },
    suspendUser: { input: { userId: userId(suspend) }, response: Cassette.json(suspend) },
    unsuspendUser: { input: { userId: userId(unsuspend) }, response: Cassette.json(unsuspend) },
    clearSessions: { input: { userId: userId(sessions) }, response: Cassette.json(sessions) },
  },
})
