/**
 * An Effect `SqlClient` for Node's built-in `node:sqlite`.
 *
 * @since 0.1.0
 */
export * as SqliteClient from "./SqliteClient.ts"
