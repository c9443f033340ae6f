import { afterAll, beforeAll, expect, it } from "@jest/globals";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { ApiClient } from "../../scripts/lib/api-client.js";
import { stopProcess, type RunningApi } from "../../scripts/lib/local-services.js";
import { signIn, snap, startConsoleServices, type ConsoleServices } from "../support/browser.js";
import { ADMIN } from "../support/harness.js";
import type { Receiver } from "../support/receiver.js";
import { runId } from "../support/test-database.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// The admin's path through the console in a real Chromium against the real API and worker
// processes: a webhook created with every control, Send test, an event's call with its attempts,
// Retrigger, bad input answered next to its field, the keyboard alone, 390 px, the CSRF rule,
// sign-out, a forged cookie, and the banner when the server goes away.

let services: ConsoleServices;
let receiver: Receiver;
let api: RunningApi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: ApiClient;
let workspaceId: number;

beforeAll(async () => {
  services = await startConsoleServices("console");
  ({ receiver, api, browser, admin } = services);
  ({ context, page } = await services.newPage());
}, 120_000);

afterAll(async () => {
  await services?.close();
});

it("the admin signs in, a bad location is answered next to its field, the webhook is created with headers, scope and a rate limit, and Send test shows the receiver's answer", async () => {
  receiver.on("/hook", () => ({ status: 202, body: "hello from the receiver" }));
  await signIn(page, api.url, ADMIN.email, ADMIN.key);
  await page.getByText("No webhooks in this workspace yet").waitFor();
  await snap(page, "webhooks-empty");
  workspaceId = Number(/\/w\/(\d+)\//.exec(page.url())?.[1]);

  await page.getByRole("link", { name: "New webhook" }).click();
  await page.getByLabel("Name").fill("pipeline");
  await page.getByLabel("Location (URL the events are POSTed to)").fill("ftp://example.com/hook");
  await page.getByRole("checkbox", { name: "CREATE" }).check();
  await page.getByRole("button", { name: "Create webhook" }).click();
  await page.locator("#wh-location-error").getByText("must use http or https").waitFor();
  await snap(page, "webhook-form-bad-location");

  await page.getByLabel("Location (URL the events are POSTed to)").fill(receiver.url("/hook"));
  await page.getByLabel("Signing secret (optional)").fill("first-secret");
  await page.getByLabel("Max deliveries per second (empty: no limit)").fill("50");
  await page.getByRole("button", { name: "Add header" }).click();
  await page.getByLabel("Header 1 name").fill("Authorization");
  await page.getByLabel("Header 1 value").fill("Bearer ci-token");
  await page.getByRole("button", { name: "Create webhook" }).click();
  await page.getByRole("heading", { name: "pipeline" }).waitFor();

  await page.getByRole("button", { name: "Send test" }).click();
  const result = page.locator(".test-result");
  await result.getByText("HTTP 202").waitFor();
  expect(await result.getByLabel("Response body").textContent()).toBe("hello from the receiver");
  const test = receiver.received("/hook").at(-1);
  expect(test?.headers.authorization).toBe("Bearer ci-token");
  expect(test?.headers["webhook-signature"]).toMatch(/^v1,/);
  await snap(page, "webhook-send-test");

  const [hook] = ((await admin.send("POST", "/api/v1/uac-proxy/events/findWebhook", {})).body as { webhooks: unknown[] }).webhooks;
  expect(hook).toMatchObject({ max_deliveries_per_second: 50, headers: { Authorization: "••••" }, has_mutual_secret: true });
});

it("Rotate secret shows the new secret once with a copy button; the next delivery carries both signatures", async () => {
  await page.getByLabel("Overlap (seconds)").fill("600");
  await page.getByRole("button", { name: "Rotate secret" }).click();
  const secret = page.locator(".secret code");
  await secret.waitFor();
  expect((await secret.textContent())?.length).toBeGreaterThan(20);
  await page.locator(".secret").getByRole("button", { name: "Copy" }).waitFor();
  // The first test's "HTTP 202" may still be on the page: wait for the new test event itself.
  const before = receiver.received("/hook").length;
  await page.getByRole("button", { name: "Send test" }).click();
  await waitFor(() => receiver.received("/hook").length > before, { what: "the test event after the rotation" });
  await page.locator(".test-result").getByText("HTTP 202").waitFor();
  expect(receiver.received("/hook").at(-1)?.headers["webhook-signature"]).toMatch(/^v1,\S+ v1,\S+$/);
  await snap(page, "webhook-rotated");
});

it("an event's call shows its three attempts (500, 500, 200) with request and response, and Retrigger makes a new call that succeeds", async () => {
  receiver.sequence("/flaky", [500, 500, 200]);
  const created = await admin.send("POST", "/api/v1/uac-proxy/events/createWebhook", {
    name: "flaky",
    workspace_id: workspaceId,
    location: receiver.url("/flaky"),
    event_types: ["CREATE"],
  });
  expect(created.status).toBe(200);
  const flakyId = (created.body as { id: number }).id;
  expect(
    (
      await admin.send("POST", "/api/v1/uac-proxy/events/createEvent", {
        event_uuid: `console-${runId()}`,
        event_type: "CREATE",
        workspace_id: workspaceId,
        timestamp: new Date().toISOString(),
        resource_type: "REGISTERED_MODEL",
        new_entity: { registered_model: { id: 1, name: "m" } },
      })
    ).status,
  ).toBe(202);

  await page.getByRole("link", { name: "Deliveries" }).first().click();
  await page.locator(`#filter-webhook option[value="${flakyId}"]`).waitFor({ state: "attached", timeout: 10_000 });
  await page.getByLabel("Webhook").selectOption(String(flakyId));
  await page.getByRole("cell", { name: "SUCCESS" }).first().waitFor({ timeout: 30_000 });
  await snap(page, "deliveries");
  await page
    .getByRole("link", { name: /^#\d+$/ })
    .first()
    .click();
  await page.getByRole("article", { name: "Attempt 3" }).waitFor();
  expect(await page.getByRole("article").count()).toBe(3);
  const first = page.getByRole("article", { name: "Attempt 1" });
  expect(await first.textContent()).toContain("HTTP 500");
  expect(await first.textContent()).toContain(receiver.url("/flaky"));
  expect(await first.getByLabel("Request body").textContent()).toContain('"event_type":"CREATE"');
  await snap(page, "call-three-attempts");

  const before = receiver.received("/flaky").length;
  const oldUrl = page.url();
  await page.getByRole("button", { name: "Retrigger" }).click();
  await page.waitForURL((url) => url.href !== oldUrl);
  await page.getByRole("article", { name: "Attempt 1" }).getByText("HTTP 200").waitFor({ timeout: 30_000 });
  expect(receiver.received("/flaky").length).toBe(before + 1);
  await page.getByText(/retrigger of/).waitFor();
  await snap(page, "call-retriggered");
});

it("the webhook form can be filled and submitted with the keyboard alone", async () => {
  await page.goto(`${api.url}/console/w/${workspaceId}/webhooks/new`);
  await page.getByLabel("Name").focus();
  await page.keyboard.type("keyboard-hook");
  await page.keyboard.press("Tab");
  await page.keyboard.type(receiver.url("/keys"));
  await page.keyboard.press("Tab"); // secret
  await page.keyboard.press("Tab"); // all events
  await page.keyboard.press("Space");
  // Through the remaining fields to the submit button, which Enter presses.
  for (let i = 0; i < 20; i++) {
    if (await page.evaluate('document.activeElement?.textContent === "Create webhook"')) break;
    await page.keyboard.press("Tab");
  }
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "keyboard-hook" }).waitFor();
  const { webhooks } = (await admin.send("POST", "/api/v1/uac-proxy/events/findWebhook", { names: ["keyboard-hook"] })).body as {
    webhooks: unknown[];
  };
  expect(webhooks[0]).toMatchObject({ all_events: true, location: receiver.url("/keys") });
});

it("pages are readable at 390 px wide", async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const small = await phone.newPage();
  await signIn(small, api.url, ADMIN.email, ADMIN.key);
  for (const [name, path] of [
    ["phone-webhooks", `/w/${workspaceId}/webhooks`],
    ["phone-deliveries", `/w/${workspaceId}/deliveries`],
    ["phone-admin", "/admin"],
  ] as const) {
    await small.goto(`${api.url}/console${path}`);
    await small.getByRole("heading", { level: 1 }).waitFor();
    await small.waitForLoadState("networkidle").catch(() => undefined);
    // Nothing wider than the screen: no sideways scrolling.
    expect(await small.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await snap(small, name);
  }
  await phone.close();
});

it("a cross-site POST with the cookie but without the CSRF header is refused with 403 and changes nothing", async () => {
  const answer = await page.evaluate(async () => {
    const response = await fetch("/api/v1/uac-proxy/events/deleteWebhook", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ ids: [1] }),
    });
    return { status: response.status, body: await response.json() };
  });
  expect(answer).toMatchObject({ status: 403, body: { error: { code: "csrf_required" } } });
  const { webhooks } = (await admin.send("POST", "/api/v1/uac-proxy/events/findWebhook", {})).body as { webhooks: Array<{ id: number }> };
  expect(webhooks.map((webhook) => webhook.id)).toContain(1);
});

it("sign-out and a forged cookie both lead back to sign-in", async () => {
  await page.goto(`${api.url}/console/w/${workspaceId}/webhooks`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to modelhooks" }).waitFor();
  await snap(page, "signed-out");
  await context.addCookies([{ name: "modelhooks_session", value: "forged-session-token", url: api.url }]);
  await page.goto(`${api.url}/console/w/${workspaceId}/webhooks`);
  await page.getByRole("heading", { name: "Sign in to modelhooks" }).waitFor();
});

it("when the server goes away, one banner says so", async () => {
  await signIn(page, api.url, ADMIN.email, ADMIN.key);
  await page.goto(`${api.url}/console/w/${workspaceId}/deliveries`);
  await page.getByRole("heading", { name: "Deliveries" }).waitFor();
  await stopProcess(api, 10_000);
  // The deliveries list refreshes every few seconds: its next request finds no server.
  await page.getByText("The modelhooks server is not answering").waitFor({ timeout: 20_000 });
  expect(await page.locator(".banner").count()).toBe(1);
  await snap(page, "server-down");
});
