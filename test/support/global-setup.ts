import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

// Runs outside jest's module system (no TypeScript packages, no path mapping): it names the
// run, and migrates the run's template database with the real `npm run migrate` script.
// Test files clone the template (test-database.ts); the teardown drops every mh_test_<run>_*.
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const template = `mh_test_${run}_template`;
  process.env.MODELHOOKS_TEST_RUN_ID = run;
  process.env.MODELHOOKS_TEST_TEMPLATE_DB = template;
  execFileSync(process.execPath, ["--import", "tsx", "scripts/migrate.ts"], {
    env: { ...process.env, NODE_OPTIONS: "", DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${template}`, LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
