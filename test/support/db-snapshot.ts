import type { Db } from "@modelhooks/db";
import type { JobQueues } from "@modelhooks/queues";

// What a refused request could have written, in one comparable value: for every table of the
// schema its row count, latest updated_at (where it has one) and a hash of its whole content
// (so an UPDATE of a table without updated_at shows too); and the job counts of every queue.

export interface TableState {
  rows: number;
  updated_at?: string | null;
  content: string;
}

const tableQueries = new WeakMap<Db, Promise<string>>();

/** One SELECT over every table of the public schema (found once per client, so new tables are included). */
async function snapshotQuery(db: Db): Promise<string> {
  const tables = await db.$queryRawUnsafe<{ table_name: string; has_updated_at: boolean }[]>(
    `SELECT t.table_name::text AS table_name,
            EXISTS (SELECT 1 FROM information_schema.columns c
                    WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'updated_at') AS has_updated_at
       FROM information_schema.tables t
      WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND t.table_name <> '_prisma_migrations'
      ORDER BY t.table_name`,
  );
  if (tables.length === 0) throw new Error("db-snapshot: no tables found in the public schema");
  const parts = tables.map(({ table_name: name, has_updated_at: hasUpdatedAt }) => {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    const updated = hasUpdatedAt ? `'updated_at', max(t.updated_at)::text,` : "";
    return `'${name}', (SELECT json_build_object('rows', count(*), ${updated} 'content', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))) FROM ${quoted} t)`;
  });
  return `SELECT json_build_object(${parts.join(", ")}) AS snapshot`;
}

/** Writes a process sends after its answers (createEvent's enqueued_at), per database client. */
const pendingWrites = new WeakMap<Db, () => Promise<void>>();

/** Lets tableSnapshot wait for the writes of answered requests, so that they are not taken for a refused one's. */
export function snapshotAfter(db: Db, settled: () => Promise<void>): void {
  pendingWrites.set(db, settled);
}

export async function tableSnapshot(db: Db): Promise<Record<string, TableState>> {
  await pendingWrites.get(db)?.();
  let query = tableQueries.get(db);
  if (!query) {
    query = snapshotQuery(db);
    tableQueries.set(db, query);
  }
  const [row] = await db.$queryRawUnsafe<{ snapshot: Record<string, TableState> }[]>(await query);
  if (!row) throw new Error("db-snapshot: the snapshot query returned no row");
  return row.snapshot;
}

export async function queueSnapshot(queues: JobQueues): Promise<Record<string, Record<string, number>>> {
  const entries = await Promise.all(
    Object.entries(queues.queues).map(async ([name, queue]) => [name, await queue.getJobCounts()] as const),
  );
  return Object.fromEntries(entries);
}

export async function fullSnapshot(db: Db, queues: JobQueues) {
  const [tables, jobs] = await Promise.all([tableSnapshot(db), queueSnapshot(queues)]);
  return { tables, jobs };
}
