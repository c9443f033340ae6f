import pg from "pg";
import { databaseUrl as databaseUrlOn, dropDatabase as dropDatabaseOn } from "../../scripts/lib/local-services.js";
import { testPostgresUrl } from "./test-servers.js";

// Tests share one PostgreSQL server and one Redis; each run (and each test file) gets its own
// database and key prefix, so runs never see each other's data.

/** The URL of database `name` on the tests' server. */
export function databaseUrl(name: string): string {
  return databaseUrlOn(testPostgresUrl(), name);
}

export function runId(): string {
  const id = process.env.MODELHOOKS_TEST_RUN_ID;
  if (!id) throw new Error("MODELHOOKS_TEST_RUN_ID is not set: run the tests with `npm test`");
  return id;
}

function templateDatabase(): string {
  const name = process.env.MODELHOOKS_TEST_TEMPLATE_DB;
  if (!name) throw new Error("MODELHOOKS_TEST_TEMPLATE_DB is not set: run the tests with `npm test`");
  return name;
}

let counter = 0;

/** A fresh, migrated database cloned from the run's template (fast: no migrations per file). */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  const name = `mh_test_${runId()}_${process.pid}_${++counter}`;
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`);
  } finally {
    await client.end();
  }
  return { name, url: databaseUrl(name) };
}

export function dropDatabase(name: string): Promise<void> {
  return dropDatabaseOn(testPostgresUrl(), name);
}
