import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "./generated/client.js";

export type Db = PrismaClient;

/**
 * Every session runs in UTC, whatever the server's or the database's TimeZone setting: Prisma's
 * driver adapter reads a timestamptz's digits and ignores its offset, so on a session in another
 * zone every instant Prisma reads or writes would be off by that offset (docs/decisions.md).
 */
const SESSION_SETUP = "SET TIME ZONE 'UTC'";

export function createDb(databaseUrl: string, options: { poolSize?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // Without a bound a request waits forever for a dead database; fail fast and answer 503.
    connectionTimeoutMillis: 5_000,
  });
  // A new client runs this before the pool hands it out: its queries queue behind it.
  pool.on("connect", (client) => void client.query(SESSION_SETUP).catch(() => undefined));
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
}

const PING = Prisma.sql`SELECT 1`;

/** Resolves when PostgreSQL answers a trivial query: readiness checks use it. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw(PING);
}
