import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { jobIds } from "@modelhooks/queues";
import { startProcess, stopProcess, type ServiceProcess } from "../../scripts/lib/local-services.js";
import { createHarness, testEnv, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { registrySteps } from "../support/registry-steps.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// A promotion's call-back deadline is a delayed job in Redis, not a timer in a worker: a worker
// SIGKILLed while it is pending takes nothing with it, and the deadline fires once after restart.

const TIMEOUT_MS = 3000;
let h: Harness;
let receiver: Receiver;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  h = await createHarness(); // the API in process; the worker a real process we can kill
  receiver = await Receiver.start();
});
afterAll(async () => {
  for (const worker of workers) await stopProcess(worker);
  await h.close();
  await receiver.close();
});

function startWorker(): ServiceProcess {
  const worker = startProcess(
    "apps/worker/src/main.ts",
    testEnv({
      DATABASE_URL: h.config.DATABASE_URL,
      QUEUE_PREFIX: h.config.QUEUE_PREFIX,
      LOG_LEVEL: "warn",
      PROMOTION_CALLBACK_TIMEOUT_MS: String(TIMEOUT_MS),
    }),
  );
  workers.push(worker);
  return worker;
}

it("fires the call-back deadline once after the worker that scheduled it was SIGKILLed", async () => {
  const steps = registrySteps(h);
  const workspace = await h.createWorkspace();
  const [author, approver] = [await h.createUser([workspace.id]), await h.createUser([workspace.id])];
  await steps.setFlag(workspace.id, "PROMOTION_EVENTS", true);
  await steps.createWebhook(workspace.id, { name: "pipeline", location: receiver.url("/pipeline"), event_types: ["PROMOTE"] });
  const model = await steps.createModel(workspace.name, "churn", author);
  const version = await steps.createVersion(model.id, "v1", author);
  const requested = await steps.requestTransition(version.id, "PRODUCTION", author);

  const first = startWorker();
  await steps.ok(steps.approve(requested.transition.id, approver));
  await waitFor(() => receiver.received("/pipeline").length === 1, { timeoutMs: 60_000, what: `PROMOTE delivered\n${first.output()}` });
  const { promotionEventId } = await h.api.db.modelVersion.findUniqueOrThrow({ where: { id: version.id } });
  const deadline = await waitFor(
    () => h.api.queues.queues.deadlines.getJob(jobIds.deadline("promotion-callback", promotionEventId as number)),
    {
      what: "the deadline job",
    },
  );
  first.child.kill("SIGKILL");
  await first.exited;

  // With no worker, the deadline passes and nothing ends the promotion: its job waits in Redis.
  await waitFor(
    async () => ["delayed", "waiting"].includes(await deadline.getState()) && Date.now() - deadline.timestamp > TIMEOUT_MS + 500,
    {
      what: "the deadline to pass with no worker",
    },
  );
  expect((await steps.getVersion(version.id, author)).promotion_status).toBe("IN_PROGRESS");

  const second = startWorker();
  const failed = await waitFor(
    async () => {
      const current = await steps.getVersion(version.id, author);
      return current.promotion_status === "FAILED" && current;
    },
    { timeoutMs: 60_000, what: `the deadline after restart\n${second.output()}` },
  );
  expect(failed.promotion_message).toMatch(/^no call-back from the deployment pipeline within 3 seconds/);
  await waitFor(async () => (await deadline.getState()) === "completed", { what: "the deadline job to complete" });
  for (const person of [author, approver]) {
    expect((await steps.notifications(person)).filter((notification) => notification.kind === "PROMOTION_FAILED")).toHaveLength(1);
  }
});
