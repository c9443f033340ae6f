// `npm run demo`: plays both documented webhook flows (promotion to Production, security scan)
// against the service at MODELHOOKS_URL, or against one it starts itself when nothing answers
// there, with a local receiver acting as the deployment pipeline and as the scanner.
// Exit code 0 when everything happened as documented, 1 with the reason otherwise.
import { ApiClient, ApiError } from "../lib/api-client.js";
import { freePort, ServiceStartError } from "../lib/local-services.js";
import { runDemo } from "./demo-flow.js";
import { launchService, probe, stopStartedService, waitUntilReady, type DemoService } from "./demo-service.js";

const WAIT_TIMEOUT_MS = 60_000;
const DEFAULT_URL = "http://127.0.0.1:3000";
// Same defaults as packages/config, so a fresh clone's `npm start` admin is found.
const admin = { email: process.env.ADMIN_EMAIL ?? "admin@modelhooks.local", key: process.env.ADMIN_DEVELOPER_KEY ?? "dev-admin-key" };

const print = (line: string) => process.stdout.write(`${line}\n`);
const SERVICE_LOG_LINES_SHOWN = 40;

let service: DemoService | undefined;
let stopping: Promise<void> | undefined;

/** Stops the service if the demo started it; safe to call twice (the end, and Ctrl-C). */
function stopService(): Promise<void> {
  stopping ??= (async () => {
    if (!service?.started) return;
    print(`\nstopping the service the demo started on port ${service.started.port}`);
    await stopStartedService(service);
  })();
  return stopping;
}

async function connect(): Promise<DemoService> {
  const explicit = process.env.MODELHOOKS_URL;
  const url = (explicit ?? DEFAULT_URL).replace(/\/+$/, "");
  const found = await probe(url);
  if (found.state === "ready") {
    print(`service: ${url} is ready`);
    return { baseUrl: url };
  }
  if (explicit && found.state === "unready") {
    const hint = found.status === 503 ? "are PostgreSQL and Redis up?" : "is this a modelhooks service?";
    throw new Error(`${url}/readyz answered ${found.status}${found.body ? ` ${found.body}` : ""} (${hint})`);
  }
  const target = new URL(url);
  if (explicit && !["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) {
    throw new Error(
      `no answer from ${url}/readyz (${found.state === "absent" ? found.reason : found.status}): start the service there, or unset MODELHOOKS_URL to let the demo start one`,
    );
  }
  // MODELHOOKS_URL names the port to start on; otherwise any free one (3000 may be someone else's).
  const port = explicit ? Number(target.port || 80) : await freePort();
  const env = {
    QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? "modelhooks-demo",
    BUILD_DURATION_MS: process.env.BUILD_DURATION_MS ?? "2000",
    METRICS_PORT: process.env.METRICS_PORT ?? "0",
  };
  print(
    `service: nothing ready at ${url}; starting it (scripts/start.ts) on port ${port}, queue prefix ${env.QUEUE_PREFIX}, builds of ${env.BUILD_DURATION_MS} ms …`,
  );
  const startedAt = Date.now();
  service = launchService(port, env);
  await waitUntilReady(service, WAIT_TIMEOUT_MS);
  print(`service: ${service.baseUrl} is ready (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
  return service;
}

function printServiceLog(output: string) {
  if (!output) return;
  print(`\nlast lines of the service's log:\n${output.split("\n").slice(-SERVICE_LOG_LINES_SHOWN).join("\n")}`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    print(`\n${signal}: stopping`);
    void stopService().then(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}

let exitCode = 0;
try {
  print("modelhooks demo: promotion to Production and security scan, end to end\n");
  const { baseUrl } = await connect();
  const { summary } = await runDemo({ api: new ApiClient(baseUrl, admin), timeoutMs: WAIT_TIMEOUT_MS, print });
  print(`\n✓ demo complete: ${summary}`);
} catch (error) {
  exitCode = 1;
  print(`\n✗ demo failed: ${(error as Error).message}`);
  if (error instanceof ApiError && error.status === 401)
    print(
      `  the service refused the admin's credentials: set ADMIN_EMAIL / ADMIN_DEVELOPER_KEY (now ${admin.email}) to a system admin of that service`,
    );
  // A start-up failure's message already ends with the service's output.
  if (service?.started && !(error instanceof ServiceStartError)) printServiceLog(service.started.process.output());
} finally {
  await stopService();
}
process.exit(exitCode);
