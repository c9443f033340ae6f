// What one delivery's database work costs, as the worker first did it (Prisma: findUnique with
// nested include, update, then an interactive transaction) and as a single SQL statement each
// for "load and mark" and "record the attempt" — the evidence for fix 1 in docs/performance.md
// (the worker now runs those statements, batched, from packages/webhooks/src/call-ledger.ts).
// A measurement only. Own database, dropped at the end.
//   npx tsx bench/query-cost.ts [--ops 3000] [--concurrency 10]
import { parseArgs } from "node:util";
import pg from "pg";
import { createDb, type Db } from "@modelhooks/db";
import { Monitor } from "./monitor.js";
import { databaseUrl, dropDatabase, LOCAL_POSTGRES_URL, migrateDatabase } from "../scripts/lib/local-services.js";

const { values } = parseArgs({
  options: {
    ops: { type: "string", default: "3000" },
    concurrency: { type: "string", default: "10" },
    "postgres-url": { type: "string", default: LOCAL_POSTGRES_URL },
  },
});
const OPS = Number(values.ops);
const CONCURRENCY = Number(values.concurrency);
const name = `mh_bench_qc_${Date.now().toString(36)}`;
const url = databaseUrl(values["postgres-url"], name);

// Load the call with its webhook, event and workspace, and mark it IN_PROGRESS unless it is final: one statement.
const LOAD_AND_MARK = `
  WITH c AS (
    UPDATE webhook_calls SET status = 'IN_PROGRESS', updated_at = now()
    WHERE id = $1 AND status NOT IN ('SUCCESS', 'FAILURE')
    RETURNING id, status, attempts, webhook_id, event_id)
  SELECT c.id, c.status, c.attempts, w.id AS webhook_id, w.name AS webhook_name, w.location, w.encrypted_secret,
         w.status AS webhook_status, w.consecutive_failures, e.uuid, e.event_type, e.resource_type, e.timestamp,
         e.payload, e.workspace_id, ws.name AS workspace_name
  FROM c JOIN webhooks w ON w.id = c.webhook_id JOIN events e ON e.id = c.event_id JOIN workspaces ws ON ws.id = e.workspace_id`;

// The attempt (idempotent on call × attempt number) and the call's new state: one statement, atomic without BEGIN/COMMIT.
const RECORD_ATTEMPT = `
  WITH attempt AS (
    INSERT INTO webhook_call_attempts (call_id, attempt_number, status_code, response_body, response_headers, duration_ms, error, started_at)
    VALUES ($1, $2, $3, $4, $5, $6, NULL, now())
    ON CONFLICT (call_id, attempt_number) DO UPDATE
      SET status_code = EXCLUDED.status_code, response_body = EXCLUDED.response_body, response_headers = EXCLUDED.response_headers,
          duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error, started_at = EXCLUDED.started_at)
  UPDATE webhook_calls SET status = $7::"CallStatus", attempts = $2, next_attempt_at = NULL, updated_at = now() WHERE id = $1`;

interface Variant {
  name: string;
  roundTrips: string;
  run(callId: number, op: number): Promise<unknown>;
}

async function main(): Promise<void> {
  await migrateDatabase(url);
  const db = createDb(url, { poolSize: 25 }); // as the worker sizes it for DELIVERY_CONCURRENCY 50
  const pool = new pg.Pool({ connectionString: url, max: 25 });
  try {
    const callIds = await seed(db);
    const response = { statusCode: 200, body: "ok", headers: { "content-type": "text/plain" }, durationMs: 1 };
    const variants: Variant[] = [
      {
        name: "load + mark, Prisma (as deliverCall)",
        roundTrips: "5 (4 SELECT for the include, 1 UPDATE)",
        run: async (callId) => {
          await db.webhookCall.findUnique({ where: { id: callId }, include: { webhook: true, event: { include: { workspace: true } } } });
          await db.webhookCall.update({ where: { id: callId }, data: { status: "IN_PROGRESS" } });
        },
      },
      {
        name: "load + mark, one statement via Prisma $queryRawUnsafe",
        roundTrips: "1",
        run: (callId) => db.$queryRawUnsafe(LOAD_AND_MARK, callId),
      },
      { name: "load + mark, one statement via pg", roundTrips: "1", run: (callId) => pool.query(LOAD_AND_MARK, [callId]) },
      {
        name: "record attempt, Prisma interactive transaction (as deliverCall)",
        roundTrips: "4 (BEGIN, upsert, UPDATE, COMMIT)",
        run: (callId, op) =>
          db.$transaction(async (tx) => {
            const outcome = {
              statusCode: 200,
              responseBody: response.body,
              responseHeaders: response.headers,
              durationMs: 1,
              error: null,
              startedAt: new Date(),
            };
            await tx.webhookCallAttempt.upsert({
              where: { callId_attemptNumber: { callId, attemptNumber: op } },
              create: { callId, attemptNumber: op, ...outcome },
              update: outcome,
            });
            await tx.webhookCall.update({ where: { id: callId }, data: { status: "IN_PROGRESS", attempts: op, nextAttemptAt: null } });
          }),
      },
      {
        name: "record attempt, one statement via Prisma $executeRawUnsafe",
        roundTrips: "1",
        run: (callId, op) =>
          db.$executeRawUnsafe(RECORD_ATTEMPT, callId, OPS + op, 200, response.body, JSON.stringify(response.headers), 1, "IN_PROGRESS"),
      },
      {
        name: "record attempt, one statement via pg",
        roundTrips: "1",
        run: (callId, op) =>
          pool.query(RECORD_ATTEMPT, [callId, 2 * OPS + op, 200, response.body, JSON.stringify(response.headers), 1, "IN_PROGRESS"]),
      },
    ];
    process.stdout.write(`${OPS} operations per variant, ${CONCURRENCY} at a time, on ${callIds.length} calls\n\n`);
    process.stdout.write(`${"variant".padEnd(66)}  ${"round trips".padEnd(36)}  ops/s   client CPU µs/op   PostgreSQL CPU µs/op\n`);
    for (const variant of variants) {
      await runVariant(variant, callIds, Math.min(300, OPS)); // warm-up: plans cached, connections open
      const monitor = new Monitor([]);
      await monitor.start();
      const started = performance.now();
      await runVariant(variant, callIds, OPS, OPS);
      const seconds = (performance.now() - started) / 1000;
      const usage = await monitor.stop();
      const perOp = (cores: number | undefined) => Math.round((((cores ?? 0) * seconds) / OPS) * 1e6);
      process.stdout.write(
        `${variant.name.padEnd(66)}  ${variant.roundTrips.padEnd(36)}  ${String(Math.round(OPS / seconds)).padStart(5)}   ${String(perOp(usage.cpuCores.bench)).padStart(16)}   ${String(perOp(usage.cpuCores.postgres)).padStart(20)}\n`,
      );
    }
  } finally {
    await db.$disconnect();
    await pool.end();
  }
}

async function runVariant(variant: Variant, callIds: number[], ops: number, offset = 0): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ops) {
      const op = next++;
      await variant.run(callIds[op % callIds.length] as number, offset + op + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** 500 calls, each its own event, spread over 10 webhooks (so concurrent operations rarely touch the same row). */
async function seed(db: Db): Promise<number[]> {
  const workspace = await db.workspace.create({ data: { name: "query-cost" } });
  const webhooks = [];
  for (let index = 0; index < 10; index++) {
    webhooks.push(
      await db.webhook.create({
        data: {
          workspaceId: workspace.id,
          name: `hook-${index}`,
          location: "http://127.0.0.1:9/hook",
          allEvents: true,
          eventTypes: [],
          resourceTypes: [],
        },
      }),
    );
  }
  const callIds: number[] = [];
  for (let index = 0; index < 500; index++) {
    const event = await db.event.create({
      data: {
        uuid: `qc-${index}`,
        workspaceId: workspace.id,
        eventType: "CREATE",
        resourceType: "MODEL_VERSION",
        timestamp: new Date(),
        payload: { new_entity: { model_version: { id: index } } },
      },
    });
    const call = await db.webhookCall.create({
      data: { eventId: event.id, webhookId: (webhooks[index % webhooks.length] as { id: number }).id },
    });
    callIds.push(call.id);
  }
  return callIds;
}

try {
  await main();
} finally {
  await dropDatabase(values["postgres-url"], name);
}
