// `npm start`: migrate, then run the API and the worker as two processes, as in production.
// Ctrl-C (or SIGTERM) stops both cleanly; if either dies, the other is stopped too.
import { spawn, type ChildProcess } from "node:child_process";
import { loadConfigOrExit } from "@modelhooks/config";
import { migrate } from "@modelhooks/db";
import { createLogger } from "@modelhooks/observability";
import { entryPointCommand } from "./lib/local-services.js";

const config = loadConfigOrExit();
const logger = createLogger(config, "start");
try {
  const { createdDatabase, applied } = await migrate(config.DATABASE_URL);
  if (createdDatabase) logger.info("created the database");
  if (applied.length) logger.info(`applied ${applied.length} migration(s)`, { applied });
} catch (error) {
  logger.error("cannot prepare the database", {
    databaseUrl: config.DATABASE_URL.replace(/\/\/[^@]*@/, "//***@"),
    error: (error as Error).message,
  });
  process.exit(1);
}

// One process per role, launched as every other caller launches them (entryPointCommand).
const children: ChildProcess[] = ["api", "worker"].map((role) => {
  const { command, args } = entryPointCommand(`apps/${role}/src/main.ts`);
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
