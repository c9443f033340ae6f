import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { createHarness, EVENTS, type Harness } from "../support/harness.js";

// Every line a request writes carries its request id, and once it has signed in, its user: an
// operator finds a request's lines by the id the caller sent or got back.

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { LOG_LEVEL: "http" } });
});
afterAll(async () => {
  await h.close();
});

const linesOf = (requestId: string) =>
  h.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.requestId === requestId);

it("logs a signed-in request with its request id and its user", async () => {
  const answer = await h.post(`${EVENTS}/findWebhook`, {}).set("x-request-id", "census-of-one");
  expect(answer.status).toBe(200);
  expect(answer.headers["x-request-id"]).toBe("census-of-one");
  const admin = await h.api.db.user.findFirstOrThrow({ where: { systemAdmin: true } });
  expect(linesOf("census-of-one")).toEqual([expect.objectContaining({ message: "request", status: 200, userId: admin.id })]);
});

it("gives a request without a usable id one of its own, on its answer and its lines", async () => {
  const answer = await h.post(`${EVENTS}/findWebhook`, {}).set("x-request-id", "not a sane id!");
  const requestId = answer.headers["x-request-id"] as string;
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(linesOf(requestId)).toHaveLength(1);
});
