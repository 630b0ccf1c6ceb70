/**
 * @riposte/connector-kit — what connector packages are built with: HTTP clients with error
 * mapping, retries, shared rate limits and an SSRF guard. The contract test suite lives at
 * `@riposte/connector-kit/contract`.
 *
 * @since 0.1.0
 */
export * as ConnectorRetry from "./ConnectorRetry.ts"
export * as HttpConnector from "./HttpConnector.ts"
export * as OAuthClientCredentials from "./OAuthClientCredentials.ts"
export * as RateLimiter from "./RateLimiter.ts"
export * as SafeFetch from "./SafeFetch.ts"
export * as StatusMapping from "./StatusMapping.ts"
