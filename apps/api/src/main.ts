import { loadConfigOrExit } from "@modelhooks/config";
import { announcePrincipalChange, ensureBootstrapAdmin, principalChannel } from "@modelhooks/identity";
import { createLogger } from "@modelhooks/observability";
import { closeApiDeps, createApiDeps } from "./api-deps.js";
import { createApp } from "./app.js";

const config = loadConfigOrExit();
const logger = createLogger(config, "api");
const deps = createApiDeps(config, logger);

try {
  const admin = await ensureBootstrapAdmin(deps.db, config.ADMIN_EMAIL, config.ADMIN_DEVELOPER_KEY);
  if (admin === "created") {
    logger.info("created the first system admin", { email: config.ADMIN_EMAIL });
    // The upsert may have replaced the key of an existing user of that email: other replicas drop what they cached for it.
    await announcePrincipalChange(deps.redis, principalChannel(config.QUEUE_PREFIX), config.ADMIN_EMAIL).catch(() => undefined);
  }
} catch (error) {
  logger.error("cannot reach PostgreSQL at start-up (run `npm run migrate` first?)", { error: (error as Error).message });
  process.exit(1);
}

const server = createApp(deps).listen(config.PORT, () => {
  logger.info(`API listening on http://127.0.0.1:${config.PORT}`, { dashboard: `http://127.0.0.1:${config.PORT}/admin/queues` });
});
server.on("error", (error) => {
  logger.error("cannot listen", { port: config.PORT, error: error.message });
  process.exit(1);
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
