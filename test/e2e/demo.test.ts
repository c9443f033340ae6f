import { afterAll, expect, it } from "@jest/globals";
import { testEnv } from "../support/harness.js";
import { freePort, startProcess, stopProcess, type ServiceProcess } from "../../scripts/lib/local-services.js";
import { databaseUrl, dropDatabase, runId } from "../support/test-database.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// `npm run demo` (scripts/demo/main.ts) as a user runs it on a fresh clone: nothing answers at
// MODELHOOKS_URL, so it starts the service itself there, on a database that does not exist yet.
const database = `mh_test_${runId()}_demo_${process.pid}`;
let demo: ServiceProcess | undefined;

afterAll(async () => {
  if (demo) await stopProcess(demo, 30_000);
  await dropDatabase(database);
});

it("plays both flows end to end, verifying every signature, and stops the service it started", async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  demo = startProcess(
    "scripts/demo/main.ts",
    testEnv({
      MODELHOOKS_URL: url,
      DATABASE_URL: databaseUrl(database),
      QUEUE_PREFIX: `mhtest-${runId()}-demo-${process.pid}`,
      LOG_LEVEL: "info",
    }),
  );
  const running = demo;
  const code = await waitFor(() => running.child.exitCode ?? (running.child.signalCode ? -1 : undefined), {
    timeoutMs: 150_000,
    intervalMs: 200,
    what: "the demo to finish",
  });
  const output = running.output();
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining("✓ demo complete") });

  expect(output).toContain(`starting it (scripts/start.ts) on port ${port}`);
  expect(output).toMatch(/pipeline: PROMOTE received, signature verified/);
  expect(output).toMatch(/promotion_status COMPLETE, forwarding_url https:\/\/serving\.example\.com\/demo-[\w-]+\/churn-predictor\/v1/);
  expect(output).toMatch(/build \d+ finished after/);
  expect(output).toMatch(/scanner: REQUEST_SCAN received, signature verified/);
  expect(output).toMatch(/scan_status scanned, safety_status safe/);
  // The first promotion fails visibly, is retried, and the new PROMOTE arrives too.
  expect(output).toMatch(/promotion_status FAILED \("Promotion failed: canary failed/);
  expect(output).toMatch(/data scientist's bell: [1-9]\d* unread — "Promotion of churn-predictor v1 failed"/);
  expect(output).toMatch(/clicks Retry: promotion_status IN_PROGRESS/);
  expect(output.match(/received, signature verified/g)).toHaveLength(3);
  expect(output).toMatch(/call \d+ → deployment-pipeline: SUCCESS/);
  expect(output).toMatch(/call \d+ → security-scanner: SUCCESS/);

  // It stopped what it started: nothing answers on the port any more.
  expect(output).toContain(`stopping the service the demo started on port ${port}`);
  await expect(fetch(`${url}/readyz`)).rejects.toThrow();
}, 180_000);
