import http from "node:http";
import { loadConfigOrExit } from "@modelhooks/config";
import { announcePrincipalChange, ensureBootstrapAdmin, principalChannel } from "@modelhooks/identity";
import { createLogger, listen } from "@modelhooks/observability";
import { closeApiDeps, createApiDeps } from "./api-deps.js";
import { createApp } from "./app.js";

const config = loadConfigOrExit();
const logger = createLogger(config, "api");

// The port first: when it is taken, one line and exit 1, before anything else is started or said.
const server = http.createServer();
const url = await listen(server, config.PORT, config.HOST, "PORT / HOST").catch((error: Error) => {
  logger.error(error.message);
  process.exit(1);
});
const deps = createApiDeps(config, logger);
// Not ready before the first admin exists: a client told "ready" must be able to sign in.
deps.startUp.done = false;
server.on("request", createApp(deps));
logger.info(`API listening on ${url}${config.HOST === "0.0.0.0" || config.HOST === "::" ? " (every interface)" : ""}`, {
  dashboard: `${url}/admin/queues`,
});

// Until PostgreSQL answers, /readyz says 503 and the outage log says why, once per interval.
void deps.database.reachable.then(async () => {
  try {
    const admin = await ensureBootstrapAdmin(deps.db, config.ADMIN_EMAIL, config.ADMIN_DEVELOPER_KEY);
    if (admin === "created") {
      logger.info("created the first system admin", { email: config.ADMIN_EMAIL });
      // The upsert may have replaced the key of an existing user of that email: other replicas drop what they cached for it.
      await announcePrincipalChange(deps.redis, principalChannel(config.QUEUE_PREFIX), config.ADMIN_EMAIL).catch(() => undefined);
    }
    deps.startUp.done = true;
  } catch (error) {
    logger.error(`cannot create the first system admin: ${(error as Error).message} (has \`npm run migrate\` run on this database?)`);
    process.exit(1);
  }
});

let stopping = false;
function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("stopping", { signal });
  const force = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS).unref();
  server.close(() => {
    clearTimeout(force);
    void closeApiDeps(deps).finally(() => {
      logger.info("API stopped");
      process.exit(0);
    });
  });
  server.closeIdleConnections();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
