// Prometheus metrics (prom-client), one registry per app: sessions by status and verdict (read
// from the store, so every instance on one PostgreSQL reports the same totals), verdict latency
// per analysis stage, capture chunks and bytes, analyses queued or running, webhook deliveries by
// outcome, MCP tool calls by tool and error code, and rate-limit refusals. Process metrics too.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CaptureAnalyzer } from '../capture/service.ts';
import type { Store } from '../store/types.ts';

/** Seconds: analysis stages run from a few milliseconds to tens of seconds on a busy host. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface Metrics {
  readonly registry: Registry;
  /** One evidence chunk accepted by the capture API. */
  chunkReceived(bytes: number): void;
  webhookOutcome(outcome: string): void;
  /** One MCP tool call; `code` is the error code of a failed call, "ok" otherwise. */
  mcpToolCall(tool: string, code: string): void;
  rateLimited(scope: string): void;
  /** Wraps the analysis behind `finish`: queue depth while it runs, then its per-stage timings. */
  instrumentAnalyzer<A extends CaptureAnalyzer>(analyzer: A): CaptureAnalyzer;
  /** The exposition (text format) and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * Node process metrics (CPU, memory, event-loop lag, GC): one registry per process, started on the
 * first scrape, so the many apps a test process builds do not each run an event-loop monitor.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'livegate_' });
  }
  return processRegistry;
}

export function createMetrics(store: Store): Metrics {
  const registry = new Registry();
  const registers = [registry];

  new Gauge({
    name: 'livegate_sessions',
    help: 'Verification sessions in the store by status and verdict (verdict "none" until completed)',
    labelNames: ['status', 'verdict'] as const,
    registers,
    async collect() {
      this.reset();
      for (const row of await store.countSessionsByStatus()) this.set({ status: row.status, verdict: row.verdict ?? 'none' }, row.count);
    },
  });
  const latency = new Histogram({
    name: 'livegate_verdict_latency_seconds',
    help: 'Time the analysis behind finish spent per stage (as the analyzer reports it); stage "total" is the whole analysis',
    labelNames: ['stage'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const analyses = new Counter({ name: 'livegate_analyses_total', help: 'Analyses run, by outcome status', labelNames: ['status'] as const, registers });
  const queue = new Gauge({ name: 'livegate_analysis_queue_depth', help: 'Analyses waiting for or running in the analysis worker pool', registers });
  const chunks = new Counter({ name: 'livegate_capture_chunks_total', help: 'Evidence chunks accepted by the capture API', registers });
  const chunkBytes = new Counter({ name: 'livegate_capture_chunk_bytes_total', help: 'Bytes of the evidence chunks accepted by the capture API', registers });
  const webhooks = new Counter({
    name: 'livegate_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, retry, dead, disable_endpoint, abandoned, error)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const mcp = new Counter({
    name: 'livegate_mcp_tool_calls_total',
    help: 'MCP tool calls over HTTP by tool and error code ("ok" for a call that succeeded)',
    labelNames: ['tool', 'code'] as const,
    registers,
  });
  const refusals = new Counter({
    name: 'livegate_rate_limit_refusals_total',
    help: 'Requests refused by a rate limit (429), by scope: api, mcp, capture',
    labelNames: ['scope'] as const,
    registers,
  });

  return {
    registry,
    chunkReceived(bytes) {
      chunks.inc();
      if (Number.isFinite(bytes) && bytes > 0) chunkBytes.inc(bytes);
    },
    webhookOutcome: (outcome) => webhooks.inc({ outcome }),
    mcpToolCall: (tool, code) => mcp.inc({ tool, code }),
    rateLimited: (scope) => refusals.inc({ scope }),
    instrumentAnalyzer(analyzer) {
      return {
        async analyse(input) {
          queue.inc();
          const started = performance.now();
          try {
            const outcome = await analyzer.analyse(input);
            analyses.inc({ status: outcome.status });
            return outcome;
          } finally {
            queue.dec();
            latency.observe({ stage: 'total' }, (performance.now() - started) / 1000);
            // The analyzer stores its per-stage timings with the attempt's result.
            const attempt = await store.getAttempt(input.attempt.id).catch(() => null);
            const timings = (attempt?.result as { timings_ms?: Record<string, unknown> } | null)?.timings_ms ?? {};
            for (const [stage, ms] of Object.entries(timings)) {
              if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) latency.observe({ stage }, ms / 1000);
            }
          }
        },
      };
    },
    async render() {
      return { contentType: registry.contentType, body: `${await registry.metrics()}\n${await processMetrics().metrics()}` };
    },
  };
}
