import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/**
 * The servers the tests use unless TEST_DATABASE_URL (the maintenance database of the PostgreSQL
 * server) or TEST_REDIS_URL say otherwise. Their only home: the resolved values are handed on to
 * every test worker and to the teardown through the environment (test/support/test-servers.ts).
 */
const SERVER_DEFAULTS = {
  TEST_DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/postgres",
  TEST_REDIS_URL: "redis://127.0.0.1:6379",
};

// Runs outside jest's module system (no TypeScript packages, no path mapping, so none of
// test/support or scripts/lib): it names the run, and migrates the run's template database with
// the real `npm run migrate`, once the build is current. Test files clone the template (test-database.ts); the teardown drops
// every mh_test_<run>_*.
export default async function globalSetup(): Promise<void> {
  for (const [name, value] of Object.entries(SERVER_DEFAULTS)) process.env[name] ||= value;
  const run = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const template = `mh_test_${run}_template`;
  process.env.MODELHOOKS_TEST_RUN_ID = run;
  process.env.MODELHOOKS_TEST_TEMPLATE_DB = template;
  const templateUrl = new URL(process.env.TEST_DATABASE_URL as string);
  templateUrl.pathname = `/${template}`;
  // The real processes the tests start run the built JavaScript: bring it up to date first
  // (incremental: a no-op when nothing changed since the last build).
  execFileSync("npm", ["run", "build:ts", "--silent"], {
    env: { ...process.env, NODE_OPTIONS: "" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  execFileSync("npm", ["run", "migrate", "--silent"], {
    env: { ...process.env, NODE_OPTIONS: "", DATABASE_URL: templateUrl.toString(), LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
