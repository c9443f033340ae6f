import v8 from "node:v8";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "./generated/client.js";

export type Db = PrismaClient;

/**
 * Every session runs in UTC, whatever the server's or the database's TimeZone setting: Prisma's
 * driver adapter reads a timestamptz's digits and ignores its offset, so on a session in another
 * zone every instant Prisma reads or writes would be off by that offset (docs/decisions.md).
 * Set as a start-up option (no extra round trip); appended last, so it wins over one in the URL.
 */
export function withUtcSessions(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set("options", [url.searchParams.get("options"), "-c TimeZone=UTC"].filter(Boolean).join(" "));
  return url.toString();
}

/**
 * Prisma 7 plans each query in a WebAssembly compiler; V8's optimising tier compiles that module
 * into ~90 MB of machine code per process, while the baseline tier (Liftoff) alone keeps an idle
 * API or worker ~90 MB smaller at no measured cost in throughput: the hot paths are raw SQL and
 * Prisma caches its plans (docs/performance.md, "Memory"). Read when the module is first
 * compiled, at the first query, so setting it here, before any client exists, is in time.
 */
v8.setFlagsFromString("--liftoff-only");

export function createDb(databaseUrl: string, options: { poolSize?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString: withUtcSessions(databaseUrl),
    max: options.poolSize ?? 10,
    // Without a bound a request waits forever for a dead database; fail fast and answer 503.
    connectionTimeoutMillis: 5_000,
  });
  // An idle connection's failure is an outage, which watchDatabase reports; it must not end the process.
  pool.on("error", () => undefined);
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/** Each client's pg pool, the one its driver adapter uses, for the statements sent around Prisma. */
const pools = new WeakMap<Db, pg.Pool>();

/**
 * A statement of a hot path straight through the pool, around Prisma's query interpreter, whose
 * work per statement (parameters serialised, results mapped) was a tenth of createEvent's CPU
 * (docs/performance.md). Rows as pg reads them (every instant is a timestamptz, so a Date either
 * way, but a bigint is a string); errors are pg's own, which sqlStateOf reads as well. For plain
 * statements; directTransaction for a few in one transaction.
 */
export async function directQuery<Row>(db: Db, statement: Prisma.Sql): Promise<Row[]> {
  const pool = pools.get(db);
  if (!pool) return db.$queryRaw<Row[]>(statement);
  const result = await pool.query({ text: statement.text, values: statement.values });
  return result.rows as Row[];
}

/** directQuery for a statement without rows: the number of rows it changed. */
export async function directExecute(db: Db, statement: Prisma.Sql): Promise<number> {
  const pool = pools.get(db);
  if (!pool) return db.$executeRaw(statement);
  const result = await pool.query({ text: statement.text, values: statement.values });
  return result.rowCount ?? 0;
}

/** The statements of a directTransaction. */
export interface DirectTransaction {
  query<Row>(statement: Prisma.Sql): Promise<Row[]>;
}

/**
 * A short transaction of plain statements straight through the pool, as directQuery is for one:
 * committed when `work` resolves, rolled back when it throws (the error is passed on).
 */
export async function directTransaction<T>(db: Db, work: (tx: DirectTransaction) => Promise<T>): Promise<T> {
  const pool = pools.get(db);
  if (!pool) return db.$transaction((tx) => work({ query: <Row>(statement: Prisma.Sql) => tx.$queryRaw<Row[]>(statement) }));
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work({
      query: async <Row>(statement: Prisma.Sql) => (await client.query({ text: statement.text, values: statement.values })).rows as Row[],
    });
    await client.query("COMMIT");
    return result;
  } catch (error) {
    // A connection that cannot even roll back is not given to anyone else.
    await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

const PING = Prisma.sql`SELECT 1`;

/** Resolves when PostgreSQL answers a trivial query: readiness checks use it. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw(PING);
}
