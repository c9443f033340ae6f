import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { jobIds } from "@modelhooks/queues";
import { postEvent } from "../support/calls.js";
import { createHarness, type Harness } from "../support/harness.js";

// createEvent's group commit: requests in flight together share one INSERT and one addBulk. Whatever
// lands in one batch, every answer must be the one a request alone would have had.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("createEvent batched across concurrent requests", () => {
  it("records each uuid once per workspace, refuses only the request naming an unknown workspace, and enqueues every recorded event", async () => {
    const [a, b] = [await h.createWorkspace(), await h.createWorkspace()];
    const requests = [
      ...Array.from({ length: 30 }, (_, n) => ({ workspace: a.id, uuid: `intake-${n}` })),
      // Repeats of a's uuids (possibly in the same batch as the first), and the same uuids in b.
      ...Array.from({ length: 10 }, (_, n) => ({ workspace: a.id, uuid: `intake-${n}` })),
      ...Array.from({ length: 10 }, (_, n) => ({ workspace: b.id, uuid: `intake-${n}` })),
      { workspace: 999_999, uuid: "intake-unknown-workspace" },
    ];
    const answers = await Promise.all(requests.map((request) => postEvent(h, request.workspace, request.uuid)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.slice(0, -1)).toEqual(Array(50).fill(202));
    expect(statuses.at(-1)).toBe(404);
    expect(answers.at(-1)?.body.error.code).toBe("not_found");

    const events = await h.api.db.event.findMany({ where: { uuid: { startsWith: "intake-" } }, orderBy: { id: "asc" } });
    expect(events.filter((event) => event.workspaceId === a.id)).toHaveLength(30);
    expect(events.filter((event) => event.workspaceId === b.id)).toHaveLength(10);
    expect(new Set(events.map((event) => `${event.workspaceId}/${event.uuid}`)).size).toBe(40);
    for (const event of events) {
      expect(event.enqueuedAt).not.toBeNull();
      expect((await h.api.queues.queues.events.getJob(jobIds.event(event.id)))?.data).toEqual({ eventId: event.id });
    }
  });

  it("answers a repeat of an already recorded uuid as accepted, recording nothing", async () => {
    const workspace = await h.createWorkspace();
    expect((await postEvent(h, workspace.id, "intake-repeat", { event_type: "CREATE" })).status).toBe(202);
    expect((await postEvent(h, workspace.id, "intake-repeat", { event_type: "DELETE" })).status).toBe(202);
    const events = await h.api.db.event.findMany({ where: { workspaceId: workspace.id } });
    expect(events.map((event) => event.eventType)).toEqual(["CREATE"]);
  });
});
