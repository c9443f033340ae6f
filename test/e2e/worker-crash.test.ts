import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { stopProcess, type ServiceProcess } from "../../scripts/lib/local-services.js";
import { sendEvents, workspaceWithWebhook } from "../support/calls.js";
import { createHarness, startWorkerProcess, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

let h: Harness;
let receiver: Receiver;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  h = await createHarness(); // API in process; the worker is a real process we can kill
  receiver = await Receiver.start();
});
afterAll(async () => {
  for (const worker of workers) await stopProcess(worker);
  await h.close();
  await receiver.close();
});

function startWorker(): ServiceProcess {
  const worker = startWorkerProcess(h, { LOG_LEVEL: "warn" });
  workers.push(worker);
  return worker;
}

it("loses no delivery when the worker is killed with SIGKILL mid-delivery", async () => {
  // Slow answers keep deliveries in flight when the kill lands.
  receiver.on("/slow", () => ({ status: 200, delayMs: 200 }));
  const workspace = await workspaceWithWebhook(h, "slow", receiver.url("/slow"));
  const total = 40;
  await sendEvents(h, workspace.id, "crash", total, { event_type: "UPDATE", resource_type: "MODEL_VERSION" });

  const first = startWorker();
  await waitFor(() => receiver.received("/slow").length >= 5, { timeoutMs: 30_000, what: "first deliveries" });
  first.child.kill("SIGKILL");
  await first.exited;
  const deliveredBeforeKill = new Set(receiver.received("/slow").map((request) => request.json.event_uuid as string)).size;
  expect(deliveredBeforeKill).toBeLessThan(total);

  startWorker();
  await waitFor(
    async () => (await h.api.db.webhookCall.count({ where: { status: "SUCCESS", webhook: { workspaceId: workspace.id } } })) === total,
    {
      timeoutMs: 45_000,
      what: `all ${total} calls SUCCESS`,
    },
  );
  const calls = await h.api.db.webhookCall.findMany({ where: { webhook: { workspaceId: workspace.id } } });
  expect(calls).toHaveLength(total);
  const receivedUuids = new Set(receiver.received("/slow").map((request) => request.json.event_uuid as string));
  expect(receivedUuids.size).toBe(total); // at-least-once: duplicates allowed, losses not
});
