import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { stopProcess, type ServiceProcess } from "../../scripts/lib/local-services.js";
import { createHarness, EVENTS, startWorkerProcess, type Harness } from "../support/harness.js";
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
  const workspace = await h.createWorkspace();
  // Slow answers keep deliveries in flight when the kill lands.
  receiver.on("/slow", () => ({ status: 200, delayMs: 200 }));
  await h
    .post(`${EVENTS}/createWebhook`, { name: "slow", location: receiver.url("/slow"), all_events: true, workspace_id: workspace.id })
    .expect(200);
  const total = 40;
  for (let index = 0; index < total; index++) {
    await h
      .post(`${EVENTS}/createEvent`, {
        event_uuid: `crash-${index}`,
        event_type: "UPDATE",
        workspace_id: workspace.id,
        resource_type: "MODEL_VERSION",
      })
      .expect(202);
  }

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
