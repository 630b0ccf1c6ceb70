/**
 * @riposte/connector-template — copy this package to start a connector.
 *
 * @since 0.1.0
 */
export * as ExampleIntelSchemas from "./ExampleIntel.ts"
export { ExampleIntel } from "./ExampleIntel.ts"
export * as ExampleIntelHttp from "./ExampleIntelHttp.ts"
