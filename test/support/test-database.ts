import pg from "pg";

// Tests share one PostgreSQL server and one Redis; each run (and each test file) gets its own
// database and key prefix, so runs never see each other's data.
export const PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export function databaseUrl(name: string): string {
  return `postgresql://postgres@127.0.0.1:5432/${name}`;
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

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let counter = 0;

/** A fresh, migrated database cloned from the run's template (fast: no migrations per file). */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  const run = runId();
  const name = `mh_test_${run}_${process.pid}_${++counter}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`));
  return { name, url: databaseUrl(name) };
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
