import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { createHarness, EVENTS, type Harness } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

let h: Harness;
let receiver: Receiver;
beforeAll(async () => {
  h = await createHarness({ worker: true });
  receiver = await Receiver.start();
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

it("stores mutual secrets encrypted and developer keys hashed, and never returns, logs or queues either", async () => {
  const secret = "super-secret-mutual-value-7f3a";
  const workspace = await h.createWorkspace();
  const member = await h.createUser([workspace.id]);
  // triggerTest takes the first 500; the delivery then fails once and is retried to success.
  receiver.sequence("/secret", [500, 500, 200]);
  const created = await h.post(`${EVENTS}/createWebhook`, {
    name: "with-secret",
    location: receiver.url("/secret"),
    all_events: true,
    mutual_secret: secret,
    workspace_id: workspace.id,
  });
  const answers: unknown[] = [created.body];
  answers.push((await h.post(`${EVENTS}/findWebhook`, { ids: [created.body.id] })).body);
  answers.push((await h.post(`${EVENTS}/updateWebhook`, { id: created.body.id, add_event_types: ["PROMOTE"] })).body);
  answers.push((await h.post(`${EVENTS}/triggerTest`, { webhook_id: created.body.id })).body);
  await h
    .post(`${EVENTS}/createEvent`, { event_uuid: "secret-event", event_type: "CREATE", workspace_id: workspace.id, resource_type: "BUILD" })
    .expect(202);
  await waitFor(async () => (await h.api.db.webhookCall.findFirst({ where: { event: { uuid: "secret-event" } } }))?.status === "SUCCESS", {
    what: "delivery",
  });
  const calls = (await h.post(`${EVENTS}/findWebhookCall`, { event_uuids: ["secret-event"], include_attempts: true })).body;
  expect(calls.calls[0].attempts).toBe(2); // a failed attempt and its retry went through the logs too
  answers.push(calls);

  const row = await h.api.db.webhook.findUniqueOrThrow({ where: { id: created.body.id } });
  expect(row.encryptedSecret).toBeTruthy();
  expect(row.encryptedSecret).not.toContain(secret);
  expect(row.encryptedSecret).not.toContain(Buffer.from(secret).toString("base64"));
  expect(h.api.secretBox.open(row.encryptedSecret!)).toBe(secret);
  const user = await h.api.db.user.findUniqueOrThrow({ where: { email: member.email } });
  expect(user.developerKeyHash).not.toContain(member.key);

  const jobs = await Promise.all(
    Object.values(h.api.queues.queues).map((queue) => queue.getJobs(["completed", "failed", "waiting", "delayed", "active"])),
  );
  const jobData = JSON.stringify(jobs.flat().map((job) => ({ name: job.name, data: job.data })));
  expect(jobData).toContain(`"callId":${calls.calls[0].id}`); // the dashboard data is really there…
  const attempts = JSON.stringify(await h.api.db.webhookCallAttempt.findMany());
  for (const haystack of [JSON.stringify(answers), h.logs.join("\n"), jobData, attempts]) {
    expect(haystack).not.toContain(secret);
    expect(haystack).not.toContain(member.key);
    expect(haystack).not.toContain("test-admin-developer-key");
  }
  expect(created.body).toMatchObject({ mutual_secret: "", has_mutual_secret: true });
  // …and the logs did record the work, so their silence about secrets means something.
  await waitFor(() => h.logs.some((line) => line.includes('"message":"delivered"')), { what: "the delivery's log line" });
});
