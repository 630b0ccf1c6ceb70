/**
 * @riposte/connector-crowdstrike — CrowdStrike Falcon host containment and detections for
 * Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as CrowdStrikeSchemas from "./CrowdStrike.ts"
export { CrowdStrike } from "./CrowdStrike.ts"
export * as CrowdStrikeHttp from "./CrowdStrikeHttp.ts"
