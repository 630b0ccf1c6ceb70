/**
 * The CrowdStrike Falcon connector definition: network-contain a host and lift containment,
 * read a host, find and read detections. The HTTP implementation is {@link CrowdStrikeHttp.layer}.
 *
 * Outputs keep Falcon's envelope (`resources`) with the fields playbooks use.
 *
 * @example
 * ```ts
 * import { CrowdStrike } from "@riposte/connector-crowdstrike"
 *
 * const call = CrowdStrike.containHost({ deviceId: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" })
 * ```
 * @since 0.1.0
 */
import { Connector } from "@riposte/core"
import { Schema } from "effect"

/** A Falcon agent (device) id: 32 hex digits. */
export const DeviceId = Schema.String.check(
  Schema.isPattern(/^[0-9a-fA-F]{32}$/, { message: "a Falcon device id (32 hex digits)" }),
)
/** A detection id: `ldt:<device id>:<number>`. */
export const DetectionId = Schema.String.check(
  Schema.isPattern(/^ldt:[0-9a-fA-F]{32}:\d{1,20}$/, { message: "a Falcon detection id (ldt:…)" }),
)

export const ActionResult = Schema.Struct({
  resources: Schema.Array(Schema.Struct({ id: Schema.String, path: Schema.optional(Schema.String) })),
})

export const Host = Schema.Struct({
  device_id: Schema.String,
  hostname: Schema.optional(Schema.NullOr(Schema.String)),
  /** `normal`, `containment_pending`, `contained`, `lift_containment_pending`. */
  status: Schema.String,
  platform_name: Schema.optional(Schema.NullOr(Schema.String)),
  local_ip: Schema.optional(Schema.NullOr(Schema.String)),
  last_seen: Schema.optional(Schema.NullOr(Schema.String)),
})

export const Detection = Schema.Struct({
  detection_id: Schema.String,
  device: Schema.Struct({
    device_id: Schema.String,
    hostname: Schema.optional(Schema.NullOr(Schema.String)),
  }),
  status: Schema.optional(Schema.String),
  max_severity_displayname: Schema.optional(Schema.String),
  first_behavior: Schema.optional(Schema.String),
  behaviors: Schema.optional(
    Schema.Array(
      Schema.Struct({
        tactic: Schema.optional(Schema.NullOr(Schema.String)),
        technique: Schema.optional(Schema.NullOr(Schema.String)),
        filename: Schema.optional(Schema.NullOr(Schema.String)),
        cmdline: Schema.optional(Schema.NullOr(Schema.String)),
      }),
    ),
  ),
})

export const CrowdStrike = Connector.make("crowdstrike", {
  version: "v2",
  description: "CrowdStrike Falcon: host containment, hosts and detections.",
  actions: {
    /** Network-contains a host (it talks only to the Falcon cloud). Undo: `liftContainment`. */
    containHost: Connector.action({
      input: Schema.Struct({ deviceId: DeviceId }),
      output: ActionResult,
      kind: "destructive",
      description: "POST /devices/entities/devices-actions/v2?action_name=contain",
      budget: "host",
      targets: (i) => [i.deviceId],
      undo: "liftContainment",
      undoInput: (input) => ({ deviceId: input.deviceId }),
    }),
    liftContainment: Connector.action({
      input: Schema.Struct({ deviceId: DeviceId }),
      output: ActionResult,
      kind: "write",
      description: "POST /devices/entities/devices-actions/v2?action_name=lift_containment",
      targets: (i) => [i.deviceId],
    }),
    getHost: Connector.action({
      input: Schema.Struct({ deviceId: DeviceId }),
      output: Schema.Struct({ resources: Schema.Array(Host) }),
      kind: "read",
      description: "GET /devices/entities/devices/v2?ids={id}",
    }),
    /** Detection ids matching an FQL filter (e.g. `device.device_id:'…'+status:'new'`). */
    queryDetections: Connector.action({
      input: Schema.Struct({
        filter: Schema.optional(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(2000))),
        limit: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 9999 }))),
      }),
      output: Schema.Struct({ resources: Schema.Array(Schema.String) }),
      kind: "read",
      description: "GET /detects/queries/detects/v1",
    }),
    getDetections: Connector.action({
      input: Schema.Struct({
        ids: Schema.Array(DetectionId).check(Schema.isMinLength(1), Schema.isMaxLength(1000)),
      }),
      output: Schema.Struct({ resources: Schema.Array(Detection) }),
      kind: "read",
      description: "POST /detects/entities/summaries/GET/v1",
    }),
  },
})
