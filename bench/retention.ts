// `npm run bench:retention`: the retention job on a large delivery log. Fills a scratch database
// with events, calls and attempts spread over the last 50 days (bulk INSERT … SELECT
// generate_series), captures the plans of the common queries, then runs the retention deletion
// (packages/webhooks, as the worker runs it) while a probe writes to the recent part of the tables
// the way deliveries do, and prints rows deleted per second, the longest batch transaction (the
// longest any row lock was held) and what the probe saw. Figures: docs/performance.md.
//   npm run bench:retention -- [--events 126000] [--webhooks 4] [--attempts 4] [--batch-size 500] [--plans]
import { parseArgs } from "node:util";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { findEventsBody, findWebhookCallBody } from "@modelhooks/contracts";
import { PrismaClient, type Db } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";
import { DELETE_EVENTS, findEvents, findWebhookCalls, LOCK_EVENTS, NEXT_OLD_EVENTS, pruneDeliveryLog } from "@modelhooks/webhooks";
import { databaseUrl, dropDatabase, LOCAL_POSTGRES_URL, migrateDatabase } from "../scripts/lib/local-services.js";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "126000" },
    webhooks: { type: "string", default: "4" },
    attempts: { type: "string", default: "4" },
    "batch-size": { type: "string", default: "500" },
    "retention-days": { type: "string", default: "30" },
    plans: { type: "boolean", default: false },
    "keep-db": { type: "boolean", default: false },
    "postgres-url": { type: "string", default: LOCAL_POSTGRES_URL },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(
    "npm run bench:retention -- [--events N] [--webhooks N] [--attempts N] [--batch-size N] [--retention-days D] [--plans] [--keep-db]\n" +
      "  events × webhooks / 2 calls (two workspaces), attempts each, created evenly over the last 50 days; --plans prints EXPLAIN (ANALYZE, BUFFERS)\n",
  );
  process.exit(0);
}
const EVENTS = Number(values.events);
const WEBHOOKS = Number(values.webhooks);
const ATTEMPTS = Number(values.attempts);
const BATCH_SIZE = Number(values["batch-size"]);
const RETENTION_DAYS = Number(values["retention-days"]);
const SPAN_DAYS = 50;
const name = `mh_bench_retention_${Date.now().toString(36)}`;
const url = databaseUrl(values["postgres-url"], name);
const started = Date.now();
const log = (message: string) =>
  process.stderr.write(`[retention ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);

// Bodies and headers of the sizes a delivery stores: a ~700-byte envelope, ~10 request headers.
const FILL = [
  `INSERT INTO workspaces (name) VALUES ('bench'), ('other'), ('small')`,
  `INSERT INTO users (email, developer_key_hash) VALUES ('member@bench.local', 'x')`,
  `INSERT INTO workspace_memberships (user_id, workspace_id) VALUES (1, 1), (1, 3)`,
  // Half of the webhooks in each of two large workspaces, then one in a small one (1% of the events):
  // the queries that matter are the selective ones, a small webhook's calls among everyone's.
  `INSERT INTO webhooks (workspace_id, name, location, all_events, updated_at)
     SELECT 1 + (g % 2), 'hook-' || g, 'https://receiver.example.com/hook/' || g, true, now() FROM generate_series(1, $1::int) g
     UNION ALL SELECT 3, 'small', 'https://receiver.example.com/small', true, now()`,
  // Ids rise with time, as they do when events are recorded; every fifth one an UPDATE.
  `INSERT INTO events (uuid, workspace_id, event_type, resource_type, timestamp, payload, created_at, enqueued_at, fanned_out_at)
     SELECT 'event-' || g, CASE WHEN g % 100 = 0 THEN 3 ELSE 1 + (g % 2) END, CASE WHEN g % 5 = 0 THEN 'UPDATE'::"EventType" ELSE 'CREATE'::"EventType" END, 'BUILD', t,
            jsonb_build_object('original_entity', NULL, 'new_entity', jsonb_build_object('build', jsonb_build_object('id', g, 'status', 'READY', 'image', repeat('x', 300)))),
            t, t, t
     FROM (SELECT g, now() - interval '${SPAN_DAYS} days' + (g::float8 / $1::int) * interval '${SPAN_DAYS} days' AS t FROM generate_series(1, $1::int) g) s`,
  `INSERT INTO webhook_calls (event_id, webhook_id, status, attempts, request_body, created_at, updated_at)
     SELECT e.id, w.id, 'SUCCESS', $1::int, repeat('{"event_uuid":"x"}', 40), e.created_at, e.created_at + interval '2 minutes'
     FROM events e JOIN webhooks w ON w.workspace_id = e.workspace_id`,
  // One call in a thousand still under way (its event must stay, however old).
  `UPDATE webhook_calls SET status = 'IN_PROGRESS' WHERE id % 1000 = 0`,
  `INSERT INTO webhook_call_attempts (call_id, attempt_number, status_code, response_body, response_headers, duration_ms, started_at, request_url, request_headers)
     SELECT c.id, a, CASE WHEN a = $1::int THEN 200 ELSE 500 END, 'ok', '{"content-type": "text/plain", "content-length": "2"}', 40,
            c.created_at + a * interval '5 seconds', 'https://receiver.example.com/hook',
            jsonb_build_object('host', 'receiver.example.com', 'connection', 'keep-alive', 'content-type', 'application/json', 'content-length', '720',
              'user-agent', 'modelhooks-webhooks/1.0', 'webhook-id', 'event-' || c.event_id, 'webhook-timestamp', '1796000000',
              'webhook-signature', 'v1,' || md5(c.id::text || a) || md5(a || c.id::text), 'x-modelhooks-event-type', 'CREATE',
              'x-modelhooks-attempt', a::text, 'x-modelhooks-call-id', c.id::text)
     FROM webhook_calls c CROSS JOIN generate_series(1, $1::int) a`,
];

async function fill(client: pg.Client): Promise<void> {
  const [workspaces, users, members, webhooks, events, calls, inProgress, attempts] = FILL;
  for (const statement of [workspaces, users, members]) await client.query(statement as string);
  await client.query(webhooks as string, [WEBHOOKS]);
  let at = Date.now();
  await client.query(events as string, [EVENTS]);
  log(`events: ${EVENTS} in ${((Date.now() - at) / 1000).toFixed(1)} s`);
  at = Date.now();
  // Each event to every webhook of its workspace (half of them each).
  await client.query(calls as string, [ATTEMPTS]);
  await client.query(inProgress as string);
  log(`calls in ${((Date.now() - at) / 1000).toFixed(1)} s`);
  at = Date.now();
  await client.query(attempts as string, [ATTEMPTS]);
  log(`attempts in ${((Date.now() - at) / 1000).toFixed(1)} s`);
  await client.query("VACUUM ANALYZE");
}

async function counts(client: pg.Client) {
  const { rows } = await client.query<{ events: number; calls: number; attempts: number; bytes: string }>(
    `SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM webhook_calls)::int AS calls,
            (SELECT count(*) FROM webhook_call_attempts)::int AS attempts,
            pg_size_pretty(pg_total_relation_size('events') + pg_total_relation_size('webhook_calls') + pg_total_relation_size('webhook_call_attempts')) AS bytes`,
  );
  return rows[0] as { events: number; calls: number; attempts: number; bytes: string };
}

/** The SQL Prisma sends for one call of a package function, captured from its query events. */
async function capture(run: (db: Db) => Promise<unknown>): Promise<Array<{ query: string; params: unknown[] }>> {
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 1 }), log: [{ emit: "event", level: "query" }] });
  const seen: Array<{ query: string; params: unknown[] }> = [];
  client.$on("query", (event) => seen.push({ query: event.query, params: JSON.parse(event.params) as unknown[] }));
  await run(client);
  await client.$disconnect();
  return seen;
}

async function explain(client: pg.Client, title: string, query: string, params: unknown[], opts: { rollback?: boolean } = {}) {
  if (opts.rollback) await client.query("BEGIN");
  const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query}`, params);
  if (opts.rollback) await client.query("ROLLBACK");
  process.stdout.write(
    `\n### ${title}\n\n\`\`\`sql\n${query.trim()}\n\`\`\`\n\n\`\`\`\n${rows.map((row) => row["QUERY PLAN"]).join("\n")}\n\`\`\`\n`,
  );
}

async function printPlans(client: pg.Client): Promise<void> {
  const day = 24 * 60 * 60 * 1000;
  const since = new Date(Date.now() - 3 * day);
  const until = new Date(Date.now() - 2 * day);
  const member: Principal = { userId: 1, email: "member@bench.local", systemAdmin: false, workspaceIds: [1, 3] };
  const admin: Principal = { ...member, systemAdmin: true };
  const byWebhook = findWebhookCallBody.parse({ webhook_ids: [WEBHOOKS + 1], since: since.toISOString(), until: until.toISOString() });
  const byTime = findEventsBody.parse({ workspace_id: 3, since: since.toISOString(), until: until.toISOString() });
  const plans: Array<[string, (db: Db) => Promise<unknown>]> = [
    ["findWebhookCall {webhook_ids, since, until} as a workspace member", (db) => findWebhookCalls(db, member, byWebhook)],
    ["findWebhookCall {webhook_ids, since, until} as a system admin", (db) => findWebhookCalls(db, admin, byWebhook)],
    ["findEvents {workspace_id, since, until} as a workspace member", (db) => findEvents(db, member, byTime)],
  ];
  for (const [title, run] of plans) {
    const queries = await capture(run);
    for (const [index, { query, params }] of queries.entries()) await explain(client, `${title} — statement ${index + 1}`, query, params);
  }
  const cutoff = new Date(Date.now() - RETENTION_DAYS * day);
  const next = NEXT_OLD_EVENTS(cutoff, { createdAt: new Date(0), id: 0 }, BATCH_SIZE);
  await explain(client, "retention: the next batch of old events", next.text, next.values);
  const { rows } = await client.query<{ id: number }>(next.text, next.values);
  const ids = rows.map((row) => row.id);
  const lock = LOCK_EVENTS(ids, cutoff);
  const remove = DELETE_EVENTS(ids, cutoff);
  await explain(client, "retention: lock the batch (rolled back)", lock.text, lock.values, { rollback: true });
  await explain(client, "retention: delete the batch's attempts, calls and events (rolled back)", remove.text, remove.values, {
    rollback: true,
  });
}

/** A stand-in for deliveries: records an attempt and updates a recent call, as the ledger does, and times it. */
async function probe(client: pg.Client, stop: { done: boolean }, latencies: number[]): Promise<void> {
  const recent = await client.query<{ id: number }>(`SELECT id FROM webhook_calls ORDER BY id DESC LIMIT 200`);
  const ids = recent.rows.map((row) => row.id);
  let turn = 0;
  while (!stop.done) {
    const id = ids[turn++ % ids.length] as number;
    const at = performance.now();
    await client.query(
      `WITH a AS (INSERT INTO webhook_call_attempts (call_id, attempt_number, status_code, response_body, response_headers, duration_ms, started_at)
                  VALUES ($1, 100 + $2::int, 200, 'ok', '{}', 1, now()) ON CONFLICT (call_id, attempt_number) DO UPDATE SET duration_ms = 1 RETURNING call_id)
       UPDATE webhook_calls SET updated_at = now() WHERE id IN (SELECT call_id FROM a)`,
      [id, turn % 50],
    );
    latencies.push(performance.now() - at);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Locks someone waited for, sampled: a batch that held rows others need would show here. */
async function sampleWaits(client: pg.Client, stop: { done: boolean }, peak: { waiting: number; longestWaitMs: number }) {
  while (!stop.done) {
    const { rows } = await client.query<{ waiting: number; longest: number | null }>(
      `SELECT count(*)::int AS waiting, max(extract(epoch FROM now() - a.state_change) * 1000)::float8 AS longest
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()`,
    );
    const row = rows[0];
    peak.waiting = Math.max(peak.waiting, row?.waiting ?? 0);
    peak.longestWaitMs = Math.max(peak.longestWaitMs, row?.longest ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) : 0;
}
const ms = (value: number) => `${value.toFixed(1)} ms`;
const describe = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${ms(quantile(sorted, 0.5))}, p99 ${ms(quantile(sorted, 0.99))}, max ${ms(sorted.at(-1) ?? 0)} (${sorted.length})`;
};

async function main(): Promise<void> {
  log(`database ${name}: ${EVENTS} events × ${WEBHOOKS} webhooks × ${ATTEMPTS} attempts over ${SPAN_DAYS} days`);
  await migrateDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
  try {
    await fill(client);
    const before = await counts(client);
    log(`filled: ${before.events} events, ${before.calls} calls, ${before.attempts} attempts (${before.bytes} with indexes)`);
    if (values.plans) await printPlans(client);

    const probeClient = new pg.Client({ connectionString: url });
    const sampler = new pg.Client({ connectionString: url });
    await Promise.all([probeClient.connect(), sampler.connect()]);
    const baseline: number[] = [];
    const during: number[] = [];
    const baselineStop = { done: false };
    const baselineRun = probe(probeClient, baselineStop, baseline);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    baselineStop.done = true;
    await baselineRun;

    const stop = { done: false };
    const waits = { waiting: 0, longestWaitMs: 0 };
    const background = Promise.all([probe(probeClient, stop, during), sampleWaits(sampler, stop, waits)]);
    const batches: number[] = [];
    const at = performance.now();
    const figures = await pruneDeliveryLog(db, {
      cutoff: new Date(Date.now() - RETENTION_DAYS * 24 * 60 * 60 * 1000),
      batchSize: BATCH_SIZE,
      onBatch: (batch) => batches.push(batch.durationMs),
    });
    const seconds = (performance.now() - at) / 1000;
    stop.done = true;
    await background;
    await Promise.all([probeClient.end(), sampler.end()]);
    const after = await counts(client);
    const rows = figures.events + figures.calls + figures.attempts;

    process.stdout.write(
      [
        "",
        `retention of ${RETENTION_DAYS} days, batches of ${BATCH_SIZE} events (PostgreSQL ${(await client.query("SHOW server_version")).rows[0]?.server_version})`,
        `  before              ${before.events} events, ${before.calls} calls, ${before.attempts} attempts (${before.bytes})`,
        `  deleted             ${figures.events} events, ${figures.calls} calls, ${figures.attempts} attempts in ${seconds.toFixed(1)} s, ${figures.batches} batches`,
        `  kept (old, needed)  ${figures.kept} events (a call still IN_PROGRESS)`,
        `  after               ${after.events} events, ${after.calls} calls, ${after.attempts} attempts (${after.bytes})`,
        `  rows deleted / s    ${Math.round(rows / seconds)} (attempts ${Math.round(figures.attempts / seconds)}/s, events ${Math.round(figures.events / seconds)}/s)`,
        `  batch transaction   ${describe(batches)}   = the longest any row lock was held`,
        `  locks waited for    at most ${waits.waiting} at once, longest wait seen ${ms(waits.longestWaitMs)} (pg_locks, sampled every 20 ms)`,
        `  probe writes        before: ${describe(baseline)}`,
        `                      during: ${describe(during)}`,
        "",
      ].join("\n"),
    );
  } finally {
    await db.$disconnect();
    await client.end();
    if (!values["keep-db"]) await dropDatabase(values["postgres-url"], name);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
