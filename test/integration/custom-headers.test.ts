import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Prisma } from "@modelhooks/db";
import { callsOf, sendEvent, waitForCall } from "../support/calls.js";
import { createHarness, EVENTS, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";

// Custom headers (docs/api.md, docs/receivers.md): sent on every delivery and test, sealed at
// rest, answered and logged masked; reserved names and unsafe values are refused before anything is stored.

const TOKEN = "Bearer ci-token-5f0c2b9e7d";

let h: Harness;
const receiver = Receiver.forThisFile();

beforeAll(async () => {
  h = await createHarness({ worker: true });
});
afterAll(async () => {
  await h.close();
});

// Every row of a table as PostgreSQL holds it, as text.
const TABLE_TEXT = {
  webhooks: Prisma.sql`SELECT coalesce(string_agg(row_to_json(t)::text, ''), '') AS text FROM webhooks t`,
  attempts: Prisma.sql`SELECT coalesce(string_agg(row_to_json(t)::text, ''), '') AS text FROM webhook_call_attempts t`,
};
async function tableText(which: keyof typeof TABLE_TEXT): Promise<string> {
  const [row] = await h.api.db.$queryRaw<{ text: string }[]>(TABLE_TEXT[which]);
  return row?.text ?? "";
}

describe("custom headers", () => {
  it("arrive on deliveries and tests, are answered and logged masked, and are sealed at rest", async () => {
    const workspace = await h.createWorkspace();
    const created = await h.createWebhook({
      name: "jenkins",
      location: receiver.url("/jenkins"),
      all_events: true,
      workspace_id: workspace.id,
      headers: { Authorization: TOKEN, "X-Team": "ml-platform" },
    });
    expect(created.headers).toEqual({ Authorization: "••••", "X-Team": "••••" });

    await sendEvent(h, workspace.id, "headers-delivery");
    await waitForCall(h, "headers-delivery", "SUCCESS");
    const test = await h.post(`${EVENTS}/triggerTest`, { webhook_id: created.id }).expect(200);
    expect(test.body.status_code).toBe(200);
    const [delivery, probe] = receiver.received("/jenkins");
    for (const request of [delivery, probe]) {
      expect({ authorization: request?.headers.authorization, team: request?.headers["x-team"] }).toEqual({
        authorization: TOKEN,
        team: "ml-platform",
      });
    }
    expect(probe?.json.test).toBe(true);

    // The request log shows that they were sent, not what they said.
    const [call] = await callsOf(h, "headers-delivery", true);
    const sent = call?.attempt_history[0].request.headers;
    expect({ authorization: sent.authorization, team: sent["x-team"] }).toEqual({ authorization: "••••", team: "••••" });
    expect(sent["webhook-id"]).toBe("headers-delivery");

    const found = await h.post(`${EVENTS}/findWebhook`, { ids: [created.id] }).expect(200);
    expect(found.body.webhooks[0].headers).toEqual({ Authorization: "••••", "X-Team": "••••" });
    for (const haystack of [await tableText("webhooks"), await tableText("attempts"), h.logs.join("\n"), JSON.stringify(found.body)]) {
      expect(haystack).not.toContain("ci-token-5f0c2b9e7d");
      expect(haystack).not.toContain("ml-platform");
    }
    const row = await h.api.db.webhook.findUniqueOrThrow({ where: { id: created.id } });
    expect(JSON.parse(h.api.secretBox.open(row.encryptedHeaders!))).toEqual({ Authorization: TOKEN, "X-Team": "ml-platform" });
  });

  it("updateWebhook replaces the set; a masked value keeps the stored one", async () => {
    const workspace = await h.createWorkspace();
    const webhook = await h.createWebhook({
      name: "edited",
      location: receiver.url("/edited"),
      all_events: true,
      workspace_id: workspace.id,
      headers: { Authorization: TOKEN, "X-Team": "ml-platform" },
    });
    const updated = await h
      .post(`${EVENTS}/updateWebhook`, { id: webhook.id, headers: { Authorization: "••••", "X-Build": "42" } })
      .expect(200);
    expect(updated.body.headers).toEqual({ Authorization: "••••", "X-Build": "••••" });
    await sendEvent(h, workspace.id, "headers-edited");
    await waitForCall(h, "headers-edited", "SUCCESS");
    const [request] = receiver.received("/edited");
    expect([request?.headers.authorization, request?.headers["x-build"], request?.headers["x-team"]]).toEqual([TOKEN, "42", undefined]);

    await h.post(`${EVENTS}/updateWebhook`, { id: webhook.id, headers: {} }).expect(200);
    const row = await h.api.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    expect({ names: row.headerNames, sealed: row.encryptedHeaders }).toEqual({ names: [], sealed: null });
  });

  it("refuses reserved names, unsafe values and too many headers with 400 naming the field, storing nothing", async () => {
    const workspace = await h.createWorkspace();
    const existing = await h.createWebhook({
      name: "kept",
      location: receiver.url("/kept"),
      all_events: true,
      workspace_id: workspace.id,
      headers: { "X-Kept": "yes" },
    });
    const before = await h.api.db.webhook.findMany({ orderBy: { id: "asc" } });
    const reserved = [
      "host",
      "Content-Length",
      "content-type",
      "Connection",
      "transfer-encoding",
      "User-Agent",
      "webhook-id",
      "Webhook-Signature",
      "webhook-anything",
      "x-modelhooks-attempt",
      "X-Modelhooks-Whatever",
    ];
    const cases: Array<[Record<string, string>, string]> = [
      ...reserved.map((name): [Record<string, string>, string] => [{ [name]: "x" }, `headers.${name}`]),
      [{ "X-Injected": "a\r\nX-Evil: 1" }, "headers.X-Injected"],
      [{ "X-Line": "a\nb" }, "headers.X-Line"],
      [{ "X-Nul": "a\u0000b" }, "headers.X-Nul"],
      [{ "X-Wide": "naïve ✓" }, "headers.X-Wide"],
      [{ "X-Long": "x".repeat(4097) }, "headers.X-Long"],
      [{ "bad name": "x" }, "headers.bad name"],
      [{ "bad:name": "x" }, "headers.bad:name"],
      [{ "": "x" }, "headers."],
      [{ "X-Twice": "1", "x-twice": "2" }, "headers.x-twice"],
      [Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`X-H${index}`, "v"])), "headers"],
      [{ Authorization: "••••" }, "headers.Authorization"],
    ];
    for (const [headers, path] of cases) {
      const create = await h.post(`${EVENTS}/createWebhook`, {
        name: "refused",
        location: receiver.url("/refused"),
        all_events: true,
        workspace_id: workspace.id,
        headers,
      });
      expect({ headers, status: create.status, path: create.body.error?.details?.[0]?.path }).toEqual({ headers, status: 400, path });
      // On update a masked value keeps a stored one; for a name with nothing stored it is refused too.
      const update = await h.post(`${EVENTS}/updateWebhook`, { id: existing.id, headers: { ...headers, "X-Kept": "••••" } });
      expect({ headers, status: update.status, path: update.body.error?.details?.[0]?.path }).toEqual({ headers, status: 400, path });
    }
    expect(await h.api.db.webhook.findMany({ orderBy: { id: "asc" } })).toEqual(before);
    expect(receiver.received("/refused")).toEqual([]);
  });
});
