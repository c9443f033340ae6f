// Work done by PostgreSQL for the bench's own database (pg_stat_database), to count round trips:
// every statement outside an explicit transaction commits on its own, so commits ≈ statements.
import pg from "pg";

export interface DbCounters {
  commits: number;
  rollbacks: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsFetched: number;
}

export class DbStats {
  private constructor(
    private readonly client: pg.Client,
    private readonly database: string,
  ) {}

  static async connect(url: string, database: string): Promise<DbStats> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new DbStats(client, database);
  }

  async read(): Promise<DbCounters> {
    const { rows } = await this.client.query<Record<string, string>>(
      "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_fetched FROM pg_stat_database WHERE datname = $1",
      [this.database],
    );
    const row = rows[0] ?? {};
    return {
      commits: Number(row.xact_commit ?? 0),
      rollbacks: Number(row.xact_rollback ?? 0),
      rowsInserted: Number(row.tup_inserted ?? 0),
      rowsUpdated: Number(row.tup_updated ?? 0),
      rowsFetched: Number(row.tup_fetched ?? 0),
    };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

export function difference(after: DbCounters, before: DbCounters): DbCounters {
  return {
    commits: after.commits - before.commits,
    rollbacks: after.rollbacks - before.rollbacks,
    rowsInserted: after.rowsInserted - before.rowsInserted,
    rowsUpdated: after.rowsUpdated - before.rowsUpdated,
    rowsFetched: after.rowsFetched - before.rowsFetched,
  };
}
