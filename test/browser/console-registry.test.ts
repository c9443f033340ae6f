import { afterAll, beforeAll, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { ApiClient } from "../../scripts/lib/api-client.js";
import { startApi, startWorker, stopProcess, type RunningApi, type RunningWorker } from "../../scripts/lib/local-services.js";
import { launchBrowser, signIn, snap } from "../support/browser.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { ADMIN, testEnv } from "../support/harness.js";
import { Receiver } from "../support/receiver.js";
import { createTestDatabase, dropDatabase, runId } from "../support/test-database.js";

// The two seed flows on the version page in a real Chromium: a data scientist requests promotion,
// a reviewer approves (the author cannot), the pipeline's call-back shows where it was deployed;
// Request scan goes through building and scanning to the scanner's verdict, and an unsafe one
// blocks promotion with its reason. The bell tells the right people.

let database: { name: string; url: string };
let receiver: Receiver;
let api: RunningApi;
let worker: RunningWorker;
let browser: Browser;
let admin: ApiClient;
let scientist: { email: string; key: string; page: Page };
let reviewer: { email: string; key: string; page: Page };
let workspace: { id: number; name: string };
let modelId: number;

async function ok<T>(client: ApiClient, method: string, path: string, body?: unknown): Promise<T> {
  const answer = await client.send(method, path, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as T;
}

async function person(email: string): Promise<{ email: string; key: string; page: Page }> {
  const user = await ok<{ developer_key: string }>(admin, "POST", "/api/v1/admin/users", { email, workspace_ids: [workspace.id] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, api.url, email, user.developer_key);
  return { email, key: user.developer_key, page };
}

async function newVersion(name: string): Promise<number> {
  const answer = await ok<{ model_version: { id: number } }>(
    new ApiClient(api.url, scientist),
    "POST",
    `/api/v1/registry/registered_models/${modelId}/model_versions`,
    { version: name },
  );
  return answer.model_version.id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await Receiver.start();
  const env = testEnv({
    DATABASE_URL: database.url,
    QUEUE_PREFIX: `mhtest-${runId()}-console-registry-${process.pid}`,
    LOG_LEVEL: "warn",
    BUILD_DURATION_MS: "1500",
  });
  [api, worker] = await Promise.all([startApi(env), startWorker(env)]);
  browser = await launchBrowser();
  admin = new ApiClient(api.url, ADMIN);
  workspace = await ok(admin, "POST", "/api/v1/admin/workspaces", { name: `ml-${runId()}` });
  for (const flag of ["PROMOTION_EVENTS", "SCAN_EVENTS"])
    await ok(admin, "PUT", `/api/v1/admin/workspaces/${workspace.id}/feature-flags/${flag}`, { enabled: true });
  await ok(admin, "POST", "/api/v1/uac-proxy/events/createWebhook", {
    name: "pipeline",
    workspace_id: workspace.id,
    location: receiver.url("/pipeline"),
    event_types: ["PROMOTE", "REQUEST_SCAN"],
  });
  scientist = await person(`scientist-${runId()}@example.test`);
  reviewer = await person(`reviewer-${runId()}@example.test`);
  modelId = (
    await ok<{ registered_model: { id: number } }>(
      new ApiClient(api.url, scientist),
      "POST",
      `/api/v1/registry/workspaces/${workspace.name}/registered_models`,
      { name: "churn" },
    )
  ).registered_model.id;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([api, worker].filter(Boolean).map((service) => stopProcess(service, 10_000)));
  await receiver?.close();
  if (database) await dropDatabase(database.name);
});

it("promotion: requested by the scientist, approve disabled for them with the reason, approved by the reviewer, in progress, then deployed at the pipeline's URL; both are notified", async () => {
  const versionId = await newVersion("1");
  const page = scientist.page;
  await page.goto(`${api.url}/console/versions/${versionId}`);
  await page.getByLabel("Move to").selectOption("PRODUCTION");
  await page.getByRole("button", { name: "Request transition" }).click();
  const approve = page.getByRole("button", { name: "Approve" });
  await approve.waitFor();
  expect(await approve.isDisabled()).toBe(true);
  await page.getByText("You requested this transition: another member of the workspace must approve it.").waitFor();
  await snap(page, "version-author-cannot-approve");

  await reviewer.page.goto(`${api.url}/console/versions/${versionId}`);
  await reviewer.page.getByRole("button", { name: "Approve" }).click();
  await reviewer.page.getByText("Promotion in progress").waitFor();
  await page.getByText("Promotion in progress").waitFor();
  await snap(page, "version-promotion-in-progress");

  await ok(admin, "PATCH", `/api/v1/registry/registered_models/${modelId}/model_versions/${versionId}`, {
    promotion_status: "COMPLETE",
    redirect_metadata: JSON.stringify({ url: "https://serving.example.com/churn/1" }),
  });
  await page.getByRole("link", { name: "https://serving.example.com/churn/1" }).waitFor();
  await snap(page, "version-promoted");

  // The bell counts for both the author and the approver.
  await page.getByRole("link", { name: /Notifications: [1-9]\d* unread/ }).waitFor({ timeout: 15_000 });
  await reviewer.page.getByRole("link", { name: /Notifications: [1-9]\d* unread/ }).waitFor({ timeout: 15_000 });
});

it("scan: Request scan goes through building and scanning to Safe with the scanner's link", async () => {
  const versionId = await newVersion("2");
  const page = scientist.page;
  await page.goto(`${api.url}/console/versions/${versionId}`);
  await page.getByRole("button", { name: "Request scan" }).click();
  await page.getByText("Building…").waitFor();
  await snap(page, "scan-building");
  await page.getByText("Scanning…").waitFor({ timeout: 20_000 });
  const { model_version: version } = await ok<{ model_version: { latest_build: { id: number } } }>(
    admin,
    "GET",
    `/api/v1/registry/model_versions/${versionId}`,
  );
  await ok(admin, "PUT", `/api/v1/deployment/workspace/${workspace.name}/builds/${version.latest_build.id}/scan`, {
    scan_status: "scanned",
    scan_external_results: { url: "https://scanner.example.com/report/2", safety_status: "safe" },
  });
  await page.getByText("Safe", { exact: true }).waitFor();
  expect(await page.getByRole("link", { name: "scanner details" }).getAttribute("href")).toBe("https://scanner.example.com/report/2");
  await snap(page, "scan-safe");
});

it("an unsafe scan shows why promotion is blocked, and the reviewer's approve is refused with that reason; the bell is the scientist's only", async () => {
  const versionId = await newVersion("3");
  const page = scientist.page;
  await page.goto(`${api.url}/console/versions/${versionId}`);
  await page.getByRole("button", { name: "Request scan" }).click();
  await page.getByText("Scanning…").waitFor({ timeout: 20_000 });
  const { model_version: version } = await ok<{ model_version: { latest_build: { id: number } } }>(
    admin,
    "GET",
    `/api/v1/registry/model_versions/${versionId}`,
  );
  const before = await ok<{ unread_count: number }>(new ApiClient(api.url, reviewer), "GET", "/api/v1/notifications");
  await ok(admin, "PUT", `/api/v1/deployment/workspace/${workspace.name}/builds/${version.latest_build.id}/scan`, {
    scan_status: "scanned",
    scan_external_results: { url: "https://scanner.example.com/report/3", safety_status: "unsafe" },
  });
  await page.getByText("Unsafe", { exact: true }).waitFor();
  await page.getByText(/cannot be promoted to PRODUCTION/).waitFor();
  await page.getByLabel("Move to").selectOption("PRODUCTION");
  await page.getByRole("button", { name: "Request transition" }).click();

  await reviewer.page.goto(`${api.url}/console/versions/${versionId}`);
  await reviewer.page.getByRole("button", { name: "Approve" }).click();
  await reviewer.page
    .getByRole("alert")
    .getByText(/unsafe/)
    .waitFor();
  await snap(reviewer.page, "version-unsafe-approve-refused");

  // The scan's result goes to whoever requested it: the scientist, not the reviewer.
  await page.getByRole("link", { name: "Notifications" }).click();
  await page
    .getByText(/unsafe/i)
    .first()
    .waitFor();
  await snap(page, "notifications");
  const after = await ok<{ unread_count: number }>(new ApiClient(api.url, reviewer), "GET", "/api/v1/notifications");
  expect(after.unread_count).toBe(before.unread_count);
});

it("a failed promotion shows the pipeline's message with Retry, the author's bell has it and a bystander's has nothing; Retry sends a new PROMOTE", async () => {
  const versionId = await newVersion("4");
  const bystander = await ok<{ developer_key: string }>(admin, "POST", "/api/v1/admin/users", {
    email: `bystander-${runId()}@example.test`,
    workspace_ids: [workspace.id],
  });
  const bystanderClient = new ApiClient(api.url, { email: `bystander-${runId()}@example.test`, key: bystander.developer_key });
  const page = scientist.page;
  await page.goto(`${api.url}/console/versions/${versionId}`);
  await page.getByLabel("Move to").selectOption("PRODUCTION");
  await page.getByRole("button", { name: "Request transition" }).click();
  await reviewer.page.goto(`${api.url}/console/versions/${versionId}`);
  await reviewer.page.getByRole("button", { name: "Approve" }).click();
  await page.getByText("Promotion in progress").waitFor();
  const promotesOf = () => receiver.received("/pipeline").filter((request) => request.json?.event_type === "PROMOTE").length;
  const promotesBefore = promotesOf();

  await ok(admin, "PATCH", `/api/v1/registry/registered_models/${modelId}/model_versions/${versionId}`, {
    promotion_status: "FAILED",
    promotion_message: "canary error rate 7% over the 2% budget",
  });
  await page.getByText("Promotion failed: canary error rate 7% over the 2% budget").waitFor();
  const retry = page.getByRole("button", { name: "Retry" });
  await retry.waitFor();
  await snap(page, "version-promotion-failed");

  await page.getByRole("link", { name: /Notifications: [1-9]\d* unread/ }).click();
  await page.getByText("Promotion of churn 4 failed").waitFor();
  await page.getByText("canary error rate 7% over the 2% budget. Retry from the version page once the cause is fixed.").waitFor();
  // The bell agrees with the list just read, without waiting for its next poll.
  const { unread_count: unread } = await ok<{ unread_count: number }>(new ApiClient(api.url, scientist), "GET", "/api/v1/notifications");
  await page.getByRole("link", { name: `Notifications: ${unread} unread` }).waitFor({ timeout: 2_000 });
  await snap(page, "notifications-promotion-failed");
  const bystanderInbox = await ok<{ unread_count: number; total_records: number }>(bystanderClient, "GET", "/api/v1/notifications");
  expect(bystanderInbox).toMatchObject({ unread_count: 0, total_records: 0 });

  await page.goto(`${api.url}/console/versions/${versionId}`);
  await page.getByRole("button", { name: "Retry" }).click();
  await page.getByText("Promotion in progress").waitFor();
  await waitFor(() => promotesOf() > promotesBefore, { what: "the retried PROMOTE at the pipeline" });
}, 90_000);
