import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { ApiClient } from "../../scripts/lib/api-client.js";
import { startApi, startWorker, stopProcess, type RunningApi, type RunningWorker } from "../../scripts/lib/local-services.js";
import { ADMIN, testEnv } from "./harness.js";
import { Receiver } from "./receiver.js";
import { createTestDatabase, dropDatabase, runId } from "./test-database.js";

// Debian's Chromium (.ci/run installs it when missing): no browser download at install time.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

/** Saves the page as test-results/screenshots/<name>.png, to look at after the run. */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function signIn(page: Page, baseUrl: string, email: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Developer key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** What a browser test of the console runs against: the real API and worker processes on their own database. */
export interface ConsoleServices {
  receiver: Receiver;
  api: RunningApi;
  worker: RunningWorker;
  browser: Browser;
  /** The API as the system admin. */
  admin: ApiClient;
  /** A new browser context (its own cookies) with one page, at a desktop size. */
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  /** Stops all of it; safe after a partial start and after a test stopped the API itself. */
  close(): Promise<void>;
}

/**
 * Starts a fresh database, a receiver, the API and worker processes (queues under a prefix of
 * their own, named after `name`) and Chromium. A failed start stops what had started.
 */
export async function startConsoleServices(name: string, env: Record<string, string> = {}): Promise<ConsoleServices> {
  const started: {
    database?: { name: string; url: string };
    receiver?: Receiver;
    api?: RunningApi;
    worker?: RunningWorker;
    browser?: Browser;
  } = {};
  const close = async () => {
    await started.browser?.close();
    await Promise.all(
      [started.api, started.worker].filter((service) => service !== undefined).map((service) => stopProcess(service, 10_000)),
    );
    await started.receiver?.close();
    if (started.database) await dropDatabase(started.database.name);
  };
  try {
    started.database = await createTestDatabase();
    started.receiver = await Receiver.start();
    const serviceEnv = testEnv({
      DATABASE_URL: started.database.url,
      QUEUE_PREFIX: `mhtest-${runId()}-${name}-${process.pid}`,
      LOG_LEVEL: "warn",
      ...env,
    });
    const [api, worker] = await Promise.allSettled([startApi(serviceEnv), startWorker(serviceEnv)]);
    if (api.status === "fulfilled") started.api = api.value;
    if (worker.status === "fulfilled") started.worker = worker.value;
    if (api.status === "rejected") throw api.reason;
    if (worker.status === "rejected") throw worker.reason;
    started.browser = await launchBrowser();
  } catch (error) {
    await close();
    throw error;
  }
  const { receiver, api, worker, browser } = started as Required<typeof started>;
  return {
    receiver,
    api,
    worker,
    browser,
    admin: new ApiClient(api.url, ADMIN),
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      return { context, page: await context.newPage() };
    },
    close,
  };
}
