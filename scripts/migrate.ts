// `npm run migrate`: create the database if needed and apply prisma/migrations.
import { loadConfigOrExit } from "@modelhooks/config";
import { migrate } from "@modelhooks/db";
import { createLogger } from "@modelhooks/observability";

const config = loadConfigOrExit();
const logger = createLogger(config, "migrate");
try {
  const { createdDatabase, applied } = await migrate(config.DATABASE_URL);
  if (createdDatabase) logger.info("created the database");
  logger.info(applied.length ? `applied ${applied.length} migration(s)` : "database is up to date", { applied });
} catch (error) {
  logger.error("migration failed", { error: (error as Error).message });
  process.exit(1);
}
