import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TelemetryConfig } from '../config/operations.ts';
import { VERSION } from '../version.ts';

const propagator = new W3CTraceContextPropagator();

/**
 * OpenTelemetry spans for ingest and delivery, on a tracer provider of this
 * gateway's own (not the global one, so gateways sharing a process stay
 * apart). Absent when tracing is off: callers check for it, so the ingest hot
 * path pays nothing then, not even a no-op span.
 */
export class Tracing {
  constructor(
    readonly tracer: Tracer,
    private readonly close: () => Promise<void>,
  ) {}

  /** The span of one inbound request, a child of the sender's `traceparent` when it sent one. */
  startIngest(source: string, headers: Record<string, string | string[] | undefined>): Span {
    const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return this.tracer.startSpan('sluice.ingest', { kind: SpanKind.SERVER, attributes: { 'sluice.source': source } }, parent);
  }

  /** A step inside another span (verify, commit). */
  child(parent: Span, name: string): Span {
    return this.tracer.startSpan(name, { kind: SpanKind.INTERNAL }, trace.setSpan(context.active(), parent));
  }

  /**
   * The span of one delivery attempt: in the trace of the ingest that stored
   * the message (its stored `traceparent`), linked to that span too.
   */
  startAttempt(storedTraceparent: string | undefined, attributes: Record<string, string | number>): Span {
    const parent = this.contextOf(storedTraceparent);
    const ingest = trace.getSpanContext(parent);
    return this.tracer.startSpan(
      'sluice.delivery.attempt',
      { kind: SpanKind.CLIENT, attributes, ...(ingest ? { links: [{ context: ingest }] } : {}) },
      parent,
    );
  }

  /** W3C `traceparent` of a span: stored with a message, sent to endpoints. */
  traceparent(span: Span): string {
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    return carrier.traceparent as string;
  }

  contextOf(traceparent: string | undefined): Context {
    return traceparent ? propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter) : ROOT_CONTEXT;
  }

  end(span: Span, error?: string): void {
    if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end();
  }

  /** Sends what is buffered and stops. */
  shutdown(): Promise<void> {
    return this.close();
  }
}

/**
 * Tracing when `telemetry.otlp.endpoint` is set (OTLP over HTTP, batched), or
 * with the exporter a test hands in; `undefined` otherwise. The SDK is loaded
 * only then.
 */
export async function startTracing(config: TelemetryConfig, exporter?: SpanExporter): Promise<Tracing | undefined> {
  if (!config.otlpEndpoint && !exporter) return undefined;
  const { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  let processor: InstanceType<typeof SimpleSpanProcessor> | InstanceType<typeof BatchSpanProcessor>;
  if (exporter) {
    processor = new SimpleSpanProcessor(exporter);
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const base = (config.otlpEndpoint as string).replace(/\/+$/, '');
    const url = base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url, headers: config.otlpHeaders }), { scheduledDelayMillis: 1000 });
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': VERSION }),
    spanProcessors: [processor],
  });
  return new Tracing(provider.getTracer('sluice', VERSION), () => provider.shutdown());
}
