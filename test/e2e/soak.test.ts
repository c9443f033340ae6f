import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { startProcess } from "../../scripts/lib/local-services.js";
import { testPostgresUrl } from "../support/test-servers.js";

// The soak's short mode (`npm run soak` runs two minutes): the real script, as a child process,
// with its own database, redis-server and receivers. The worker is SIGKILLed once and Redis
// drops its connections once; nothing may be lost or left unfinished.
// Generous: on a loaded machine the services alone can take a minute to start.
const SOAK_TIMEOUT_MS = 170_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mh-soak-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runSoak(args: string[]): Promise<{ code: number | null; output: string }> {
  const soak = startProcess("scripts/soak/main.ts", {}, { args: [...args, "--postgres-url", testPostgresUrl()] });
  // SIGINT lets the soak clean up (its database, redis-server, services) before it exits.
  const timer = setTimeout(() => soak.child.kill("SIGINT"), SOAK_TIMEOUT_MS - 10_000);
  const code = await soak.exited;
  clearTimeout(timer);
  return { code, output: soak.output() };
}

interface SoakReport {
  passed: boolean;
  chaos: { kills: unknown[]; redisDrops: unknown[] };
  figures: {
    eventsAccepted: number;
    eventsNotAccepted: number;
    callsExpected: number;
    lost: number;
    stuck: number;
    success: number;
    exhausted: number;
  };
}

it(
  "soak, short mode: steady load with a worker SIGKILL and a Redis connection drop loses nothing and leaves nothing stuck",
  async () => {
    const jsonPath = path.join(dir, "soak.json");
    const { code, output } = await runSoak(["--duration", "20", "--kill-every", "8", "--drain", "40", "--json", jsonPath]);
    if (code !== 0) process.stderr.write(output);
    expect(code).toBe(0);
    expect(output).toMatch(/^ {2}lost +0 /m);
    expect(output).toMatch(/^ {2}stuck \(not final after the drain\) +0$/m);

    const report = JSON.parse(await readFile(jsonPath, "utf8")) as SoakReport;
    expect(report.passed).toBe(true);
    expect(report.chaos.kills.length).toBeGreaterThanOrEqual(1);
    expect(report.chaos.redisDrops).toHaveLength(1);
    expect(report.figures.eventsAccepted).toBeGreaterThan(50);
    expect(report.figures.eventsNotAccepted).toBe(0);
    expect(report.figures.lost).toBe(0);
    expect(report.figures.stuck).toBe(0);
    // Four healthy receivers: each of their calls succeeded, unless the receiver itself refused all
    // five attempts (20% random 500s make that rare, not impossible: counted apart, not lost).
    expect(report.figures.success + report.figures.exhausted).toBeGreaterThanOrEqual(report.figures.eventsAccepted * 4);
  },
  SOAK_TIMEOUT_MS,
);
