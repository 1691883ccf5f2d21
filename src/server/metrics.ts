import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The server's Prometheus metrics (`GET /metrics`), in a registry of its own. */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"route" | "status">;
  readonly generatedTokens: Counter;
  readonly promptTokens: Counter;
  readonly inFlight: Gauge;
  readonly queueDepth: Gauge;
  readonly liveRows: Gauge;
  readonly latency: Histogram<"route">;
  readonly timeToFirstToken: Histogram<"route">;
}

/**
 * Creates the metrics; `sample` is asked on every scrape for the scheduler's queue and live rows.
 */
export function createMetrics(sample: () => Promise<{ queuedGroups: number; liveRows: number } | undefined>): ServerMetrics {
  const registry = new Registry();
  const seconds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
  const metrics: ServerMetrics = {
    registry,
    requests: new Counter({ name: "cot_sc_requests_total", help: "HTTP requests answered, by route and status", labelNames: ["route", "status"], registers: [registry] }),
    generatedTokens: new Counter({ name: "cot_sc_generated_tokens_total", help: "Tokens generated for requests", registers: [registry] }),
    promptTokens: new Counter({ name: "cot_sc_prompt_tokens_total", help: "Prompt tokens prefilled for requests", registers: [registry] }),
    inFlight: new Gauge({ name: "cot_sc_requests_in_flight", help: "Requests being answered", registers: [registry] }),
    queueDepth: new Gauge({
      name: "cot_sc_queue_depth",
      help: "Sequence groups waiting for room in the decode batch",
      registers: [registry],
      async collect() {
        this.set((await sample())?.queuedGroups ?? 0);
      },
    }),
    liveRows: new Gauge({
      name: "cot_sc_live_rows",
      help: "Rows (chains) in the decode batch",
      registers: [registry],
      async collect() {
        this.set((await sample())?.liveRows ?? 0);
      },
    }),
    latency: new Histogram({ name: "cot_sc_request_seconds", help: "Request latency", labelNames: ["route"], buckets: seconds, registers: [registry] }),
    timeToFirstToken: new Histogram({
      name: "cot_sc_time_to_first_token_seconds",
      help: "Time from request to its first streamed text",
      labelNames: ["route"],
      buckets: seconds,
      registers: [registry],
    }),
  };
  return metrics;
}
