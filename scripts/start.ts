// `npm start`: migrate, then run the API and the worker as two processes, as in production.
// Ctrl-C (or SIGTERM) stops both cleanly; if either dies, the other is stopped too.
// `npm run dev` runs this same file from source with --watch: each process restarts on a change.
import { spawn, type ChildProcess } from "node:child_process";
import { displayUrl, loadConfigOrExit } from "@modelhooks/config";
import { migrate } from "@modelhooks/db";
import { createLogger } from "@modelhooks/observability";
import { entryPointCommand, watchCommand } from "./lib/local-services.js";

const watch = process.argv.includes("--watch");
const config = loadConfigOrExit();
const logger = createLogger(config, "start");
try {
  const { createdDatabase, applied } = await migrate(config.DATABASE_URL);
  if (createdDatabase) logger.info("created the database");
  if (applied.length) logger.info(`applied ${applied.length} migration(s)`, { applied });
} catch (error) {
  logger.error(
    `cannot prepare the database at ${displayUrl(config.DATABASE_URL)}: ${(error as Error).message} (is PostgreSQL running, and is DATABASE_URL right?)`,
  );
  process.exit(1);
}

// One process per role, launched as every other caller launches them (entryPointCommand).
const children: ChildProcess[] = ["api", "worker"].map((role) => {
  const entry = `apps/${role}/src/main.ts`;
  const { command, args } = watch ? watchCommand(entry) : entryPointCommand(entry);
  return spawn(command, args, { stdio: "inherit" });
});

let stopping = false;
function stopAll(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}
let exitCode = 0;
let exited = 0;
for (const child of children) {
  child.on("exit", (code) => {
    if (!stopping && code !== 0) exitCode = code ?? 1;
    stopAll("SIGTERM");
    if (++exited === children.length) process.exit(exitCode);
  });
}
process.on("SIGINT", () => stopAll("SIGTERM"));
process.on("SIGTERM", () => stopAll("SIGTERM"));
