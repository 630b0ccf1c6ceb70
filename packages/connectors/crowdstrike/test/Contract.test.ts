import { ConnectorContract } from "@riposte/connector-kit/contract"
import { CrowdStrike, CrowdStrikeHttp } from "../src/index.ts"

// No recording of these endpoints could be copied (see @riposte/simulators fixtures/SOURCES.md,
// "Not collected"): these bodies are written from the Falcon API reference (swagger), in the
// `{ meta, resources, errors }` envelope every Falcon endpoint uses.
const meta = { query_time: 0.004, powered_by: "device-api", trace_id: "6a7c1f0e-0000-4000-8000-000000000001" }
const deviceId = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
const actionResponse = {
  meta,
  resources: [{ id: deviceId, path: `/devices/entities/devices/v1?ids=${deviceId}` }],
  errors: [],
}

// The planted credential is the bearer token (a static token: the token request would be a
// second exchange with a different body).
ConnectorContract.suite(CrowdStrike, {
  layer: (baseUrl, accessToken) => CrowdStrikeHttp.layer({ accessToken, baseUrl, rateLimit: false }),
  fixtures: {
    containHost: { input: { deviceId }, response: actionResponse },
    liftContainment: { input: { deviceId }, response: actionResponse },
    getHost: {
      input: { deviceId },
      response: {
        meta,
        resources: [
          {
            device_id: deviceId,
            cid: "00000000000000000000000000000000",
            hostname: "WS-FINANCE-01",
            status: "contained",
            platform_name: "Windows",
            local_ip: "10.0.4.17",
            last_seen: "2024-01-01T00:00:00Z",
          },
        ],
        errors: [],
      },
    },
    queryDetections: {
      input: { filter: "status:'new'", limit: 10 },
      response: {
        meta: { ...meta, pagination: { offset: 0, limit: 10, total: 1 } },
        resources: [`ldt:${deviceId}:4295129489`],
        errors: [],
      },
    },
    getDetections: {
      input: { ids: [`ldt:${deviceId}:4295129489`] },
      response: {
        meta,
        resources: [
          {
            detection_id: `ldt:${deviceId}:4295129489`,
            device: { device_id: deviceId, hostname: "WS-FINANCE-01" },
            status: "new",
            max_severity_displayname: "High",
            first_behavior: "2024-01-01T00:00:00Z",
            behaviors: [
              {
                tactic: "Execution",
                technique: "User Execution",
                filename: "invoice.exe",
                cmdline: "invoice.exe /s",
              },
            ],
          },
        ],
        errors: [],
      },
    },
  },
})
