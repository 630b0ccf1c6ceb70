/**
 * @riposte/connector-urlscan — urlscan.io API v1 for Riposte playbooks.
 *
 * @since 0.1.0
 */

export * as UrlScanSchemas from "./UrlScan.ts"
export { UrlScan } from "./UrlScan.ts"
export * as UrlScanHttp from "./UrlScanHttp.ts"
