/**
 * OpenTelemetry tracing: one span per run (`riposte.run <playbook>`), per step
 * (`riposte.step <name>`) and per connector call (`riposte.call <connector>.<action>`), with
 * attributes `riposte.playbook`, `riposte.playbook.version`, `riposte.step`,
 * `riposte.step.kind`, `riposte.connector`, `riposte.action`, `riposte.kind`,
 * `riposte.attempt`. Secrets never become attributes: inputs are not recorded.
 *
 * @example
 * ```ts
 * // Export through whatever TracerProvider the host registered with @opentelemetry/api:
 * Effect.provide(program, Tracing.layerGlobal)
 * ```
 * @since 0.1.0
 */
import * as OtelTracer from "@effect/opentelemetry/OtelTracer"
import type * as Otel from "@opentelemetry/api"
import { Layer } from "effect"

/** Spans go to the global `@opentelemetry/api` tracer provider. */
export const layerGlobal: Layer.Layer<OtelTracer.OtelTracer> = OtelTracer.layerGlobal

/** Spans go to the given tracer provider (e.g. a `BasicTracerProvider` in tests). */
export const layer = (provider: Otel.TracerProvider): Layer.Layer<OtelTracer.OtelTracer> =>
  OtelTracer.layer.pipe(Layer.provide(Layer.succeed(OtelTracer.OtelTracerProvider, provider)))
