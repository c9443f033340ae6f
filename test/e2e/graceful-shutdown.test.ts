import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { jobIds } from "@modelhooks/queues";
import { stopProcess, type ServiceProcess } from "../../scripts/lib/local-services.js";
import { createHarness, EVENTS, startWorkerProcess, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// docs/reliability.md: SIGTERM stops taking jobs, lets in-flight deliveries finish within
// SHUTDOWN_TIMEOUT_MS and exits 0; what the deadline cuts off is retried, never lost.
let h: Harness;
let receiver: Receiver;
const workers: ServiceProcess[] = [];
let eventCounter = 0;

beforeAll(async () => {
  h = await createHarness(); // API in process; the worker is a real process we signal
  receiver = await Receiver.start();
});
afterAll(async () => {
  for (const worker of workers) await stopProcess(worker, 5000);
  await h.close();
  await receiver.close();
});

function startWorker(env: Record<string, string> = {}): ServiceProcess {
  const worker = startWorkerProcess(h, { DELIVERY_TIMEOUT_MS: "8000", LOG_LEVEL: "info", ...env });
  workers.push(worker);
  return worker;
}

/** The exit code, or a failure naming the output if the process outlives `withinMs`. */
async function exitCode(worker: ServiceProcess, withinMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), withinMs);
  });
  const outcome = await Promise.race([worker.exited, late]);
  clearTimeout(timer);
  if (outcome === "late") throw new Error(`worker still running ${withinMs} ms after SIGTERM; output:\n${worker.output()}`);
  return outcome;
}

async function sendEvent(path: string): Promise<string> {
  const workspace = await h.createWorkspace();
  await h
    .post(`${EVENTS}/createWebhook`, {
      workspace_id: workspace.id,
      name: `shutdown${path}`,
      location: receiver.url(path),
      all_events: true,
    })
    .expect(200);
  const uuid = `shutdown-${Date.now()}-${++eventCounter}`;
  await h
    .post(`${EVENTS}/createEvent`, { event_uuid: uuid, event_type: "UPDATE", workspace_id: workspace.id, resource_type: "MODEL_VERSION" })
    .expect(202);
  return uuid;
}

async function callOf(uuid: string): Promise<Record<string, any> | undefined> {
  const response = await h.post(`${EVENTS}/findWebhookCall`, { event_uuids: [uuid], include_attempts: true });
  expect(response.status).toBe(200);
  return (response.body.calls as Array<Record<string, any>>)[0];
}

async function jobState(callId: number): Promise<string | undefined> {
  return (await h.api.queues.queues.deliveries.getJob(jobIds.call(callId)))?.getState();
}

describe("SIGTERM", () => {
  it("lets an in-flight delivery finish, records it once, and exits 0", async () => {
    const path = "/answers-in-2s";
    receiver.on(path, () => ({ status: 200, body: "worth the wait", delayMs: 2000 }));
    const uuid = await sendEvent(path);
    const worker = startWorker({ SHUTDOWN_TIMEOUT_MS: "10000" });
    const [request] = await waitFor(() => receiver.received(path).length > 0 && receiver.received(path), {
      timeoutMs: 30_000,
      what: "the delivery to reach the receiver",
    });

    worker.child.kill("SIGTERM");
    const code = await exitCode(worker, 15_000);
    const exitedAt = Date.now();

    expect(code).toBe(0);
    // It waited for the receiver's answer (sent 2 s after the request arrived) before exiting.
    expect(exitedAt - request!.receivedAt).toBeGreaterThanOrEqual(1900);
    const output = worker.output();
    expect(output).toMatch(/stopping: finishing in-flight jobs/);
    expect(output).toMatch(/worker stopped/);
    expect(output).not.toMatch(/shutdown deadline reached/);

    const call = await callOf(uuid);
    expect(call).toMatchObject({ status: "SUCCESS", attempts: 1, response: { status_code: 200, body: "worth the wait" } });
    expect(call!.attempt_history).toHaveLength(1);
    // The job is completed, so no later worker will send it again.
    expect(await jobState(call!.id as number)).toBe("completed");
    expect(receiver.received(path)).toHaveLength(1);
  });

  it("exits 0 at the deadline when a delivery outlasts it, and the cut-off call is delivered by the next worker", async () => {
    const path = "/answers-in-5s";
    // The first request outlasts the 1 s deadline; a retry is answered at once.
    receiver.on(path, (_request, index) =>
      index === 0 ? { status: 200, body: "too late", delayMs: 5000 } : { status: 200, body: "second try" },
    );
    const uuid = await sendEvent(path);
    const first = startWorker({ SHUTDOWN_TIMEOUT_MS: "1000" });
    await waitFor(() => receiver.received(path).length > 0, { timeoutMs: 30_000, what: "the delivery to reach the receiver" });

    const signalledAt = Date.now();
    first.child.kill("SIGTERM");
    const code = await exitCode(first, 8000);
    const stoppedAfterMs = Date.now() - signalledAt;

    expect(code).toBe(0);
    expect(stoppedAfterMs).toBeGreaterThanOrEqual(900); // it did give the delivery its deadline
    expect(stoppedAfterMs).toBeLessThan(4500); // ...and no more: the receiver would answer at 5 s
    const output = first.output();
    expect(output).toMatch(/shutdown deadline reached/);
    expect(output).toMatch(/worker stopped/);

    const cutOff = await callOf(uuid);
    expect(cutOff?.status).not.toBe("SUCCESS");
    expect(cutOff?.status).not.toBe("FAILURE");

    startWorker();
    const delivered = await waitFor(
      async () => {
        const call = await callOf(uuid);
        return call?.status === "SUCCESS" && call;
      },
      { timeoutMs: 30_000, what: "the cut-off call to be delivered by the next worker" },
    );
    expect(delivered.response).toMatchObject({ status_code: 200 });
    // At-least-once: the receiver saw it twice (or more), always as the same event.
    const received = receiver.received(path);
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(new Set(received.map((request) => request.headers["webhook-id"]))).toEqual(new Set([uuid]));
    // bullmq marks the job completed just after the call is recorded: wait for it, boundedly.
    await waitFor(async () => (await jobState(delivered.id as number)) === "completed", { what: "the delivery job to be completed" });
  });
});
