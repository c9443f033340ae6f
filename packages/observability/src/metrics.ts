import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** One registry per process; API and worker each expose theirs on /metrics. */
export function createMetrics(service: "api" | "worker") {
  const registry = new Registry();
  // Deliveries happen in workers: only their registry exposes the delivery series, so the API's
  // /metrics never shows a misleading zero (it reports calls by status from PostgreSQL instead).
  const deliveryRegistries = service === "worker" ? [registry] : [];
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    eventsEmitted: new Counter({
      name: "modelhooks_events_emitted_total",
      help: "Events recorded in the outbox, by type and where they came from",
      labelNames: ["event_type", "source"] as const,
      registers: [registry],
    }),
    deliveries: new Counter({
      name: "modelhooks_delivery_attempts_total",
      help: "Delivery attempts by outcome (success, retry, failure, refused)",
      labelNames: ["outcome"] as const,
      registers: deliveryRegistries,
    }),
    attemptDuration: new Histogram({
      name: "modelhooks_delivery_attempt_duration_seconds",
      help: "Time from request start to response (or error) of one delivery attempt",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: deliveryRegistries,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
