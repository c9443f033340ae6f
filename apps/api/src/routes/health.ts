import { Router } from "express";
import { Gauge } from "prom-client";
import { databaseErrorSummary, pingDatabase } from "@modelhooks/db";
import { QUEUE_KEYS } from "@modelhooks/queues";
import { countCallsByStatus } from "@modelhooks/webhooks";
import type { ApiDeps } from "../api-deps.js";

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}

export function healthRouter(deps: ApiDeps): Router {
  const router = Router();
  new Gauge({
    name: "modelhooks_queue_jobs",
    help: "Jobs per queue and state, read from Redis at scrape time",
    labelNames: ["queue", "state"] as const,
    registers: [deps.metrics.registry],
    async collect() {
      this.reset();
      for (const key of QUEUE_KEYS) {
        const counts = await withTimeout(
          deps.queues.queues[key].getJobCounts("waiting", "active", "delayed", "failed", "prioritized"),
          1000,
        ).catch(() => undefined);
        for (const [state, count] of Object.entries(counts ?? {})) this.set({ queue: key, state }, count);
      }
    },
  });

  // Deliveries happen in the workers (whose own /metrics has the attempt counters and latency
  // histogram); the API reports the outcome of every call from PostgreSQL, so one scrape of the
  // API shows the whole picture.
  new Gauge({
    name: "modelhooks_webhook_calls",
    help: "Webhook calls by status, read from PostgreSQL at scrape time",
    labelNames: ["status"] as const,
    registers: [deps.metrics.registry],
    async collect() {
      const rows = await withTimeout(countCallsByStatus(deps.db), 2000).catch(() => []);
      this.reset();
      for (const row of rows) this.set({ status: row.status }, row.count);
    },
  });

  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  router.get("/readyz", async (_req, res) => {
    const [postgres, redis] = await Promise.all([
      withTimeout(pingDatabase(deps.db), 2000).then(
        () => "ok",
        (error: unknown) => `unreachable: ${databaseErrorSummary(error)}`,
      ),
      withTimeout(deps.redis.ping(), 2000).then(
        () => "ok",
        (error: Error) => `unreachable: ${error.message}`,
      ),
    ]);
    const startUp = deps.startUp.done ? "ok" : "starting";
    const ready = postgres === "ok" && redis === "ok" && deps.startUp.done;
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? "ready" : "not ready", checks: { postgres, redis, ...(deps.startUp.done ? {} : { startUp }) } });
  });

  router.get("/metrics", async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
