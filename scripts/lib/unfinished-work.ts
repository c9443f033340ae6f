// What the pipeline has yet to finish, as PostgreSQL records it: events not yet fanned out, calls
// not yet final (SUCCESS or FAILURE), builds still building. The soak's drain and the tests'
// waitForIdle wait for all three to reach zero.
export const UNFINISHED_WORK_SQL = `
  SELECT (SELECT count(*) FROM events WHERE fanned_out_at IS NULL)::int AS events,
         (SELECT count(*) FROM webhook_calls WHERE status NOT IN ('SUCCESS', 'FAILURE'))::int AS calls,
         (SELECT count(*) FROM builds WHERE status = 'BUILDING')::int AS builds`;

export interface UnfinishedWork {
  events: number;
  calls: number;
  builds: number;
}

export function totalUnfinished(work: UnfinishedWork | undefined): number {
  return work ? work.events + work.calls + work.builds : Number.NaN;
}
