import http from "node:http";
import { loadConfigOrExit } from "@modelhooks/config";
import { createLogger, listen } from "@modelhooks/observability";
import { healthHandler } from "./health-handler.js";
import { closeWorkerDeps, createWorkerDeps } from "./worker-deps.js";
import { startWorkers, type RunningWorkers } from "./workers.js";

const config = loadConfigOrExit();
const logger = createLogger(config, "worker");

// The health port first: when it is taken, one line and exit 1, before anything else starts.
let running: RunningWorkers | undefined;
const healthServer = config.METRICS_PORT > 0 ? http.createServer() : undefined;
const metricsUrl = healthServer
  ? await listen(healthServer, config.METRICS_PORT, config.METRICS_HOST, "METRICS_PORT / METRICS_HOST").catch((error: Error) => {
      logger.error(error.message);
      process.exit(1);
    })
  : undefined;
const deps = createWorkerDeps(config, logger);
healthServer?.on(
  "request",
  healthHandler(deps, () => running !== undefined),
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("stopping: finishing in-flight jobs", { signal, deadlineMs: config.SHUTDOWN_TIMEOUT_MS });
  await running?.close(config.SHUTDOWN_TIMEOUT_MS);
  healthServer?.close();
  await closeWorkerDeps(deps);
  logger.info("worker stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

// Until PostgreSQL and Redis answer, /readyz says 503 and the outage log says why, once per interval.
await deps.database.reachable;
if (!stopping) {
  running = await startWorkers(deps);
  logger.info("worker started", {
    deliveryConcurrency: config.DELIVERY_CONCURRENCY,
    health: metricsUrl ? `${metricsUrl}/readyz` : "off",
    metrics: metricsUrl ? `${metricsUrl}/metrics` : "off",
  });
}
