import { ConnectorContract } from "@riposte/connector-kit/contract"
import { Simulator } from "@riposte/simulators"
import { Jira, JiraHttp } from "../src/index.ts"

// addComment: recorded (fixtures/jira/create_comment_response.json, see SOURCES.md).
// createIssue / getIssue: no recording exists; written from Atlassian's REST v3 reference
// (see the simulators' fixtures/README.md). transitionIssue: Jira answers 204 without a body.
// Bearer auth (no `email`) so the planted secret travels verbatim in a header, as the suite
// checks. `reconcile: false`: the suite's server answers every request with the action's
// fixture, so it checks the single write request; Simulator.test.ts covers the reads before it.
ConnectorContract.suite(Jira, {
  layer: (baseUrl, apiToken) =>
    JiraHttp.layer({ baseUrl, apiToken, allowedHosts: [new URL(baseUrl).host], reconcile: false }),
  fixtures: {
    createIssue: {
      input: { projectKey: "ED", issueType: "Task", summary: "Phishing report" },
      response: Simulator.fixture("jira/create_issue_response.json"),
    },
    addComment: {
      input: { issue: "ED-24", body: "Dummy link" },
      response: Simulator.fixture("jira/create_comment_response.json"),
    },
    transitionIssue: { input: { issue: "ED-24", transitionId: "31" }, response: undefined },
    getIssue: { input: { issue: "ED-1" }, response: Simulator.fixture("jira/get_issue_response.json") },
  },
})
