import { Redis } from "ioredis";
import pg from "pg";

// Like global-setup, outside jest's module system: self-contained on purpose. The servers are the
// ones global-setup resolved (TEST_DATABASE_URL, TEST_REDIS_URL).
export default async function globalTeardown(): Promise<void> {
  const run = process.env.MODELHOOKS_TEST_RUN_ID;
  if (!run) return;
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`mh_test_${run}_%`]);
  for (const row of rows) await client.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
  await client.end();
  const redis = new Redis(process.env.TEST_REDIS_URL as string, { maxRetriesPerRequest: 1 });
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `mhtest-${run}-*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
  redis.disconnect();
}
