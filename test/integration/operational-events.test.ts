import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ADMIN, createHarness, EVENTS, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { registrySteps } from "../support/registry-steps.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// A call that ends FAILURE is announced (UPDATE WEBHOOK_CALL, through the outbox) so admins can
// route failures to their own tools, and the workspace's admins are told, at most once per
// webhook per hour. A failing delivery of such an announcement never announces itself: no loops.

let h: Harness;
let receiver: Receiver;
let steps: ReturnType<typeof registrySteps>;

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    // Five failures in a row disable a webhook: the first test's webhooks fail four times each and stay
    // ACTIVE (a disable mid-way would skip an attempt depending on timing), the second's fail six times.
    env: { DELIVERY_MAX_ATTEMPTS: "2", WEBHOOK_DISABLE_MIN_FAILURES: "5", WEBHOOK_DISABLE_AFTER_MS: "0" },
  });
  receiver = await Receiver.start();
  steps = registrySteps(h);
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

const send = (workspaceId: number, uuid: string) =>
  h
    .post(`${EVENTS}/createEvent`, { event_uuid: uuid, event_type: "CREATE", workspace_id: workspaceId, resource_type: "REGISTERED_MODEL" })
    .expect(202);

async function settled(workspaceId: number) {
  return waitFor(
    async () => {
      const events = await h.api.db.event.findMany({ where: { workspaceId }, include: { calls: true } });
      const done = events.every(
        (event) => event.fannedOutAt !== null && event.calls.every((call) => call.status === "SUCCESS" || call.status === "FAILURE"),
      );
      return done && events;
    },
    { what: "every event fanned out and every call final" },
  );
}

describe("operational events and admin notifications", () => {
  it("announces a failed call once, delivers the announcement, tells the workspace's admins once, and never loops", async () => {
    const workspace = await h.createWorkspace();
    const admin = await h.createUser([workspace.id], true);
    const [stamp] = [Date.now()];
    receiver.on(`/down-${stamp}`, () => ({ status: 500 }));
    receiver.on(`/ops-down-${stamp}`, () => ({ status: 500 }));
    await steps.createWebhook(workspace.id, { name: "model-hook", location: receiver.url(`/down-${stamp}`), event_types: ["CREATE"] });
    await steps.createWebhook(workspace.id, {
      name: "ops",
      location: receiver.url(`/ops-${stamp}`),
      all_events: true,
      resource_types: ["WEBHOOK_CALL"],
    });
    await steps.createWebhook(workspace.id, {
      name: "ops-down",
      location: receiver.url(`/ops-down-${stamp}`),
      all_events: true,
      resource_types: ["WEBHOOK_CALL"],
    });

    await send(workspace.id, `failing-${stamp}`);
    await send(workspace.id, `failing-again-${stamp}`);
    const events = await settled(workspace.id);
    const announcements = events.filter((event) => event.resourceType === "WEBHOOK_CALL");
    // One per failed model-hook call; the failing ops-down webhook's own failures announce nothing.
    expect(announcements).toHaveLength(2);
    const received = receiver.received(`/ops-${stamp}`).map((request) => request.json);
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({
      event_type: "UPDATE",
      resource_type: "WEBHOOK_CALL",
      new_entity: {
        webhook_call: { webhook_name: "model-hook", status: "FAILURE", attempts: 2, event_type: "CREATE", response: { status_code: 500 } },
      },
    });
    expect(receiver.received(`/ops-down-${stamp}`)).toHaveLength(4); // 2 announcements × 2 attempts, then nothing more

    const adminKinds = (await steps.notifications(admin)).map((notification) => notification.kind);
    // model-hook and ops-down both failed: one notification each, however many calls failed.
    expect(adminKinds.filter((kind) => kind === "WEBHOOK_CALL_FAILED")).toHaveLength(2);
    // A system admin of another workspace is not told: this one has its own.
    expect((await steps.notifications(ADMIN)).filter((notification) => notification.kind === "WEBHOOK_CALL_FAILED")).toHaveLength(0);
  });

  it("tells the admins when a webhook is disabled for failing, every system admin when the workspace has none", async () => {
    const workspace = await h.createWorkspace();
    const member = await h.createUser([workspace.id]);
    const path = `/always-down-${Date.now()}`;
    receiver.on(path, () => ({ status: 500 }));
    const hook = await steps.createWebhook(workspace.id, { name: "doomed", location: receiver.url(path), event_types: ["CREATE"] });
    await send(workspace.id, `doomed-1-${Date.now()}`);
    await send(workspace.id, `doomed-2-${Date.now()}`);
    await send(workspace.id, `doomed-3-${Date.now()}`);
    await waitFor(async () => (await h.api.db.webhook.findUniqueOrThrow({ where: { id: hook.id } })).status === "DISABLED", {
      what: "auto-disable",
    });
    const told = (await steps.notifications(ADMIN)).find(
      (notification) => notification.kind === "WEBHOOK_DISABLED" && notification.link.webhook_id === hook.id,
    );
    expect(told?.title).toBe('Webhook "doomed" was disabled');
    // The console opens the webhook under its own workspace, whichever the admin's first one is.
    expect(told?.link.workspace_id).toBe(workspace.id);
    expect(told?.body).toMatch(/disabled automatically: 5 failed attempts in a row/);
    expect(await steps.notifications(member)).toEqual([]);
  });
});
