import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { sendEvent, waitForCall } from "../support/calls.js";
import { createHarness, EVENTS, type Harness } from "../support/harness.js";
import { Receiver, type ReceivedRequest } from "../support/receiver.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// rotateWebhookSecret (docs/api.md, docs/receivers.md): during the overlap every delivery, retry and
// test carries the new and the old signature, and the official library verifies it with either
// secret; afterwards only the new one signs and the old one is gone from the database.

let h: Harness;
const receiver = Receiver.forThisFile();

beforeAll(async () => {
  // Retries a second or so apart: time for a rotation between a call's first attempt and its retry.
  h = await createHarness({ worker: true, env: { DELIVERY_BACKOFF_BASE_MS: "1500", DELIVERY_BACKOFF_MAX_MS: "3000" } });
});
afterAll(async () => {
  await h.close();
});

/** The official verifier, given base64(mutual_secret) as its secret. */
const verifies = (secret: string, request: ReceivedRequest) => {
  try {
    new StandardWebhook(Buffer.from(secret, "utf8").toString("base64")).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};
const signatures = (request: ReceivedRequest) => String(request.headers["webhook-signature"]).split(" ");

async function deliveredRequest(workspaceId: number, path: string, uuid: string): Promise<ReceivedRequest> {
  await sendEvent(h, workspaceId, uuid);
  await waitForCall(h, uuid, "SUCCESS");
  const request = receiver.received(path).find((candidate) => candidate.json?.event_uuid === uuid);
  if (!request) throw new Error(`no request for ${uuid}`);
  return request;
}

describe("rotateWebhookSecret", () => {
  it("signs with both secrets during the overlap, then only with the new one, and erases the old one", async () => {
    const workspace = await h.createWorkspace();
    const webhook = await h.createWebhook({
      name: "rotating",
      location: receiver.url("/rotating"),
      all_events: true,
      mutual_secret: "the-old-secret",
      workspace_id: workspace.id,
    });

    const rotated = await h.post(`${EVENTS}/rotateWebhookSecret`, { webhook_id: webhook.id, overlap_seconds: 3 }).expect(200);
    const fresh = rotated.body.mutual_secret as string;
    expect(fresh).toMatch(/^[\w-]{43}$/);
    expect(rotated.body.webhook).toMatchObject({ id: webhook.id, mutual_secret: "", has_mutual_secret: true });
    expect(Date.parse(rotated.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(1000);
    expect(rotated.body.webhook.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);

    const during = await deliveredRequest(workspace.id, "/rotating", "rotation-during");
    expect(signatures(during)).toHaveLength(2);
    expect(signatures(during).every((signature) => signature.startsWith("v1,"))).toBe(true);
    expect({ withNew: verifies(fresh, during), withOld: verifies("the-old-secret", during) }).toEqual({ withNew: true, withOld: true });

    const test = await h.post(`${EVENTS}/triggerTest`, { webhook_id: webhook.id }).expect(200);
    expect(test.body.status_code).toBe(200);
    const probe = receiver.received("/rotating").find((request) => request.json?.test === true);
    expect(probe && { withNew: verifies(fresh, probe), withOld: verifies("the-old-secret", probe) }).toEqual({
      withNew: true,
      withOld: true,
    });

    // The sweep erases the old secret once the overlap is over.
    await waitFor(async () => (await h.api.db.webhookPreviousSecret.count({ where: { webhookId: webhook.id } })) === 0, {
      what: "the rotated-out secret to be erased",
      timeoutMs: 15_000,
    });
    const after = await deliveredRequest(workspace.id, "/rotating", "rotation-after");
    expect(signatures(after)).toHaveLength(1);
    expect({ withNew: verifies(fresh, after), withOld: verifies("the-old-secret", after) }).toEqual({ withNew: true, withOld: false });
    const row = await h.api.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(h.api.secretBox.open(row.encryptedSecret!)).toBe(fresh);
    const found = await h.post(`${EVENTS}/findWebhook`, { ids: [webhook.id] }).expect(200);
    expect(found.body.webhooks[0].previous_secret_expires_at).toBeUndefined();
    // Neither secret was ever logged.
    const logs = h.logs.join("\n");
    expect(logs).not.toContain(fresh);
    expect(logs).not.toContain("the-old-secret");
  });

  it("signs a retry of a call first attempted before the rotation with both secrets", async () => {
    const workspace = await h.createWorkspace();
    receiver.sequence("/retried", [500, 200]);
    const webhook = await h.createWebhook({
      name: "retried",
      location: receiver.url("/retried"),
      all_events: true,
      mutual_secret: "before-rotation",
      workspace_id: workspace.id,
    });
    await sendEvent(h, workspace.id, "rotation-retry");
    await waitFor(() => receiver.received("/retried").length >= 1, { what: "the first attempt" });
    await h
      .post(`${EVENTS}/rotateWebhookSecret`, { webhook_id: webhook.id, mutual_secret: "after-rotation", overlap_seconds: 600 })
      .expect(200);
    const [call] = await waitForCall(h, "rotation-retry", "SUCCESS");
    expect(call?.attempts).toBe(2);
    const [first, retry] = receiver.received("/retried");
    expect(first && signatures(first)).toHaveLength(1);
    expect(first && verifies("before-rotation", first)).toBe(true);
    expect(retry && signatures(retry)).toHaveLength(2);
    expect(retry && { withNew: verifies("after-rotation", retry), withOld: verifies("before-rotation", retry) }).toEqual({
      withNew: true,
      withOld: true,
    });

    // updateWebhook with mutual_secret replaces at once: the rotation's old secret stops signing too.
    await h.post(`${EVENTS}/updateWebhook`, { id: webhook.id, mutual_secret: "replaced" }).expect(200);
    expect(await h.api.db.webhookPreviousSecret.count({ where: { webhookId: webhook.id } })).toBe(0);
    await sendEvent(h, workspace.id, "rotation-replaced");
    await waitForCall(h, "rotation-replaced", "SUCCESS");
    const replaced = receiver.received("/retried").find((request) => request.json?.event_uuid === "rotation-replaced");
    expect(replaced && signatures(replaced)).toHaveLength(1);
    expect(replaced && [verifies("replaced", replaced), verifies("after-rotation", replaced)]).toEqual([true, false]);
  });

  it("keeps the old secret sealed at rest, like the current one", async () => {
    const workspace = await h.createWorkspace();
    const webhook = await h.createWebhook({
      name: "sealed",
      location: receiver.url("/sealed"),
      all_events: true,
      mutual_secret: "sealed-old-secret",
      workspace_id: workspace.id,
    });
    await h.post(`${EVENTS}/rotateWebhookSecret`, { webhook_id: webhook.id }).expect(200);
    const [kept] = await h.api.db.webhookPreviousSecret.findMany({ where: { webhookId: webhook.id } });
    expect(kept?.encryptedSecret).not.toContain("sealed-old-secret");
    expect(kept?.encryptedSecret).not.toContain(Buffer.from("sealed-old-secret").toString("base64"));
    expect(h.api.secretBox.open(kept!.encryptedSecret)).toBe("sealed-old-secret");
    // The default overlap: a day.
    expect(Math.round((kept!.expiresAt.getTime() - Date.now()) / 3_600_000)).toBe(24);
  });

  it("refuses bad input with 400 naming the field, and changes nothing", async () => {
    const webhook = await h.createWebhook({
      name: "refusing",
      location: receiver.url("/refusing"),
      all_events: true,
      mutual_secret: "keep",
    });
    const before = await h.api.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    for (const [body, field] of [
      [{ webhook_id: webhook.id, overlap_seconds: 604_801 }, "overlap_seconds"],
      [{ webhook_id: webhook.id, overlap_seconds: -1 }, "overlap_seconds"],
      [{ webhook_id: webhook.id, overlap_seconds: 1.5 }, "overlap_seconds"],
      [{ webhook_id: webhook.id, mutual_secret: "" }, "mutual_secret"],
      [{ webhook_id: webhook.id, mutual_secret: "x".repeat(1025) }, "mutual_secret"],
      [{ webhook_id: "abc" }, "webhook_id"],
      [{ overlap_seconds: 10 }, "webhook_id"],
    ] as const) {
      const response = await h.post(`${EVENTS}/rotateWebhookSecret`, body);
      expect({ status: response.status, path: response.body.error?.details?.[0]?.path }).toEqual({ status: 400, path: field });
    }
    await h.post(`${EVENTS}/rotateWebhookSecret`, { webhook_id: 999_999 }).expect(404);
    expect(await h.api.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } })).toEqual(before);
    expect(await h.api.db.webhookPreviousSecret.count({ where: { webhookId: webhook.id } })).toBe(0);
  });
});
