import http from "node:http";
import { loadConfigOrExit } from "@modelhooks/config";
import { pingDatabase } from "@modelhooks/db";
import { createLogger } from "@modelhooks/observability";
import { closeWorkerDeps, createWorkerDeps } from "./worker-deps.js";
import { startWorkers } from "./workers.js";

const config = loadConfigOrExit();
const logger = createLogger(config, "worker");
const deps = createWorkerDeps(config, logger);

try {
  await pingDatabase(deps.db);
} catch (error) {
  logger.error("cannot reach PostgreSQL at start-up", { error: (error as Error).message });
  process.exit(1);
}

const running = await startWorkers(deps);
const metricsServer =
  config.WORKER_METRICS_PORT > 0
    ? http
        .createServer((request, response) => {
          if (request.url !== "/metrics") return void response.writeHead(404).end();
          void deps.metrics.registry
            .metrics()
            .then((text) => response.writeHead(200, { "content-type": deps.metrics.registry.contentType }).end(text));
        })
        .on("error", (error) => logger.warn("worker metrics server not started", { error: error.message }))
        .listen(config.WORKER_METRICS_PORT, "127.0.0.1")
    : undefined;
logger.info("worker started", {
  deliveryConcurrency: config.DELIVERY_CONCURRENCY,
  metrics: metricsServer ? `http://127.0.0.1:${config.WORKER_METRICS_PORT}/metrics` : "off",
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("stopping: finishing in-flight jobs", { signal, deadlineMs: config.SHUTDOWN_TIMEOUT_MS });
  await running.close(config.SHUTDOWN_TIMEOUT_MS);
  metricsServer?.close();
  await closeWorkerDeps(deps);
  logger.info("worker stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
