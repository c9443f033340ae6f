import type http from "node:http";
import { databaseErrorSummary, pingDatabase } from "@modelhooks/db";
import type { WorkerDeps } from "./worker-deps.js";

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}

/**
 * The worker's /healthz (the process is up), /readyz (its queues are consumed, PostgreSQL and
 * Redis answer) and /metrics, for probes and Prometheus (docs/deploy.md). It opens before the
 * worker connects to anything, so a worker waiting for its dependencies says so with a 503.
 */
export function healthHandler(deps: WorkerDeps, consuming: () => boolean): http.RequestListener {
  return (request, response) => {
    const path = request.url?.split("?")[0];
    if (path === "/healthz") return void response.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    if (path === "/readyz")
      return void readiness(deps, consuming()).then((body) => send(response, body.status === "ready" ? 200 : 503, body));
    if (path === "/metrics") {
      return void deps.metrics.registry
        .metrics()
        .then((text) => response.writeHead(200, { "content-type": deps.metrics.registry.contentType }).end(text));
    }
    response.writeHead(404).end();
  };
}

async function readiness(deps: WorkerDeps, consuming: boolean) {
  const check = (promise: Promise<unknown>) =>
    withTimeout(promise, 2000).then(
      () => "ok",
      (error: unknown) => `unreachable: ${databaseErrorSummary(error)}`,
    );
  const [postgres, redis] = await Promise.all([check(pingDatabase(deps.db)), check(deps.redis.ping())]);
  const workers = consuming ? "ok" : "starting";
  const ready = postgres === "ok" && redis === "ok" && consuming;
  return { status: ready ? "ready" : "not ready", checks: { postgres, redis, workers } };
}

function send(response: http.ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
