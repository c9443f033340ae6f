import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { postEvent, waitForCall, workspaceWithWebhook } from "../support/calls.js";
import { createHarness, type Harness } from "../support/harness.js";
import { privateRedis, type PrivateRedis } from "../../scripts/lib/local-services.js";
import { Receiver } from "../support/receiver.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// Redis here is a private redis-server on a spare port: stopping it never disturbs the shared one.
let redis: PrivateRedis;
let h: Harness;
let receiver: Receiver;

beforeAll(async () => {
  redis = await privateRedis();
  h = await createHarness({ worker: true, env: { REDIS_URL: redis.url } });
  receiver = await Receiver.start();
});
afterAll(async () => {
  await redis.start().catch(() => undefined);
  await h.close();
  await receiver.close();
  await redis.stop();
});

it("accepts createEvent while Redis is down and delivers it once Redis is back", async () => {
  const workspace = await workspaceWithWebhook(h, "outbox", receiver.url("/outbox"));

  await redis.stop();
  const started = Date.now();
  const accepted = await postEvent(h, workspace.id, "while-redis-down", { resource_type: "REGISTERED_MODEL" });
  expect(accepted.status).toBe(202);
  expect(Date.now() - started).toBeLessThan(5000); // the producer fails fast instead of hanging
  // The API gave up on the queue before it answered: the event is in the outbox only, so nothing can go out yet.
  const recorded = await h.api.db.event.findFirstOrThrow({ where: { uuid: "while-redis-down" } });
  expect(recorded.enqueuedAt).toBeNull();
  expect(h.logs.some((line) => line.includes("event recorded but not enqueued") && line.includes(`"eventId":${recorded.id}`))).toBe(true);
  expect(receiver.received("/outbox")).toHaveLength(0);

  // A fresh, empty Redis: nothing survived, so only the outbox relay can bring the event back.
  await redis.start();
  await waitFor(() => receiver.received("/outbox").length > 0, { timeoutMs: 30_000, what: "delivery after Redis returned" });
  const [call] = await waitForCall(h, "while-redis-down", "SUCCESS");
  expect(call!.attempts).toBe(1);
  expect(receiver.received("/outbox")[0]?.json.event_uuid).toBe("while-redis-down");
});
