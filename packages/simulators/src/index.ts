/**
 * @riposte/simulators — loopback HTTP simulators of the vendors Riposte's connectors talk to,
 * serving recorded API shapes (see fixtures/SOURCES.md). Private: tests, demos and benchmarks.
 *
 * @since 0.1.0
 */
export * as Simulator from "./Simulator.ts"
