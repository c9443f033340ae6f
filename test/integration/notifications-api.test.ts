import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { tableSnapshot } from "../support/db-snapshot.js";
import { createHarness, type Caller, type Harness } from "../support/harness.js";

// The notification routes: a user's own list, newest first and paged, with the unread count;
// marking read; nobody reaches another's (404, as if it did not exist).

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const get = (path: string, caller: Caller) =>
  h.request.get(path).set("grpc-metadata-email", caller.email).set("grpc-metadata-developer_key", caller.key);

it("lists, pages, filters unread and marks read; another user's notification answers 404", async () => {
  const workspace = await h.createWorkspace();
  const [alice, bob] = [await h.createUser([workspace.id]), await h.createUser([workspace.id])];
  for (let index = 1; index <= 3; index++) {
    await h.api.db.notification.create({
      data: {
        userId: alice.id,
        kind: "SCAN_SAFE",
        title: `scan ${index}`,
        body: "safe",
        createdAt: new Date(Date.now() - (10 - index) * 1000),
      },
    });
  }
  const bobs = await h.api.db.notification.create({ data: { userId: bob.id, kind: "SCAN_ERROR", title: "bob's", body: "error" } });

  const first = (await get("/api/v1/notifications?page_limit=2", alice).expect(200)).body;
  expect({
    titles: first.notifications.map((n: { title: string }) => n.title),
    unread: first.unread_count,
    total: first.total_records,
  }).toEqual({
    titles: ["scan 3", "scan 2"],
    unread: 3,
    total: 3,
  });
  const second = (await get("/api/v1/notifications?page_limit=2&page_number=2", alice).expect(200)).body;
  expect(second.notifications.map((n: { title: string }) => n.title)).toEqual(["scan 1"]);

  const newest = first.notifications[0].id as number;
  const read = await h.post(`/api/v1/notifications/${newest}/read`, {}, alice).expect(200);
  expect(typeof read.body.read_at).toBe("string");
  const unread = (await get("/api/v1/notifications?unread_only=true", alice).expect(200)).body;
  expect({
    titles: unread.notifications.map((n: { title: string }) => n.title),
    unread: unread.unread_count,
    total: unread.total_records,
  }).toEqual({
    titles: ["scan 2", "scan 1"],
    unread: 2,
    total: 2,
  });

  const before = await tableSnapshot(h.api.db);
  const foreign = await h.post(`/api/v1/notifications/${bobs.id}/read`, {}, alice);
  expect({ status: foreign.status, message: foreign.body.error.message }).toEqual({
    status: 404,
    message: `notification ${bobs.id} not found`,
  });
  expect((await h.post("/api/v1/notifications/999999/read", {}, alice)).status).toBe(404);
  const badQuery = await get("/api/v1/notifications?unread_only=maybe&page_limit=0", alice);
  expect(badQuery.status).toBe(400);
  expect(badQuery.body.error.details.map((detail: { path: string }) => detail.path).sort()).toEqual(["page_limit", "unread_only"]);
  expect((await get("/api/v1/notifications?colour=red", alice)).body.error.details).toEqual([{ path: "colour", message: "unknown field" }]);
  expect(await tableSnapshot(h.api.db)).toEqual(before);

  expect((await h.post("/api/v1/notifications/read-all", {}, alice).expect(200)).body).toEqual({ marked: 2 });
  expect((await get("/api/v1/notifications", alice).expect(200)).body.unread_count).toBe(0);
  expect((await get("/api/v1/notifications", bob).expect(200)).body).toMatchObject({ unread_count: 1, total_records: 1 });
});
