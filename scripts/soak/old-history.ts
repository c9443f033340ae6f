// Old history for the retention job to delete while the soak runs (--old-history N): N events
// of a workspace of their own, 40 days old, each delivered to one webhook in 3 attempts, so the
// worker's scheduled retention (30 days) deletes them batch by batch alongside the live load,
// through the kills and the Redis drop. The live load's events are never old enough to go.
import type pg from "pg";

const SEED = [
  `INSERT INTO workspaces (name) VALUES ('soak-history') RETURNING id`,
  `INSERT INTO webhooks (workspace_id, name, location, all_events, updated_at)
     VALUES ($1, 'history', 'https://history.invalid/hook', true, now()) RETURNING id`,
  `INSERT INTO events (uuid, workspace_id, event_type, resource_type, timestamp, payload, created_at, enqueued_at, fanned_out_at)
     SELECT 'history-' || g, $1, 'CREATE', 'BUILD', t, '{"new_entity": {"build": {"id": 1}}}', t, t, t
     FROM (SELECT g, now() - interval '41 days' + g * interval '1 second' AS t FROM generate_series(1, $2::int) g) s`,
  `INSERT INTO webhook_calls (event_id, webhook_id, status, attempts, request_body, created_at, updated_at)
     SELECT id, $2, 'SUCCESS', 3, '{}', created_at, created_at FROM events WHERE workspace_id = $1`,
  `INSERT INTO webhook_call_attempts (call_id, attempt_number, status_code, response_body, response_headers, duration_ms, started_at)
     SELECT c.id, a, CASE WHEN a = 3 THEN 200 ELSE 500 END, 'ok', '{}', 10, c.created_at
     FROM webhook_calls c CROSS JOIN generate_series(1, 3) a WHERE c.webhook_id = $1`,
];

export const OLD_HISTORY_LEFT = `SELECT count(*)::int AS n FROM events WHERE uuid LIKE 'history-%'`;

/** Seeds `count` old events with their calls and attempts; answers the rows written. */
export async function seedOldHistory(client: pg.Client, count: number): Promise<number> {
  const [workspace, webhook, events, calls, attempts] = SEED as [string, string, string, string, string];
  const workspaceId = (await client.query<{ id: number }>(workspace)).rows[0]?.id;
  const webhookId = (await client.query<{ id: number }>(webhook, [workspaceId])).rows[0]?.id;
  const written = [
    await client.query(events, [workspaceId, count]),
    await client.query(calls, [workspaceId, webhookId]),
    await client.query(attempts, [webhookId]),
  ];
  return written.reduce((sum, result) => sum + (result.rowCount ?? 0), 0);
}

export async function oldHistoryLeft(client: pg.Client): Promise<number> {
  return (await client.query<{ n: number }>(OLD_HISTORY_LEFT)).rows[0]?.n ?? 0;
}
