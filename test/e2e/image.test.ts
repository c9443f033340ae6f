import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { freePort, ROOT, stopProcess, type ServiceProcess } from "../../scripts/lib/local-services.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { testRedisUrl } from "../support/test-servers.js";
import { createTestDatabase, dropDatabase, runId } from "../support/test-database.js";

// This machine has no Docker daemon, so the image is never built here (docs/deploy.md says so).
// What can be checked without one is checked: the Dockerfile and the compose file name only npm
// scripts that exist, run the same commands as package.json's start scripts, and those built entry
// points start and pass the image's HEALTHCHECK with the image's environment.
const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
const compose = readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8");
const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));
const runtimeStage = instructions.slice(instructions.findLastIndex((line) => line.startsWith("FROM ")));
const execForm = (instruction: string) => JSON.parse(instruction.slice(instruction.indexOf("["))) as string[];
const cmd = execForm(runtimeStage.find((line) => line.startsWith("CMD ")) as string);
const healthcheck = execForm(runtimeStage.find((line) => line.startsWith("HEALTHCHECK ")) as string);
const imageEnv = Object.fromEntries(
  runtimeStage.filter((line) => line.startsWith("ENV ")).map((line) => line.slice(4).trim().split("=") as [string, string]),
);
/** The compose file's command of a service, as an argv. */
const composeCommand = (service: string) => {
  const block = compose.slice(compose.indexOf(`\n  ${service}:\n`));
  return JSON.parse(/\n {4}command: (\[.*\])/.exec(block)?.[1] as string) as string[];
};

it("is multi-stage, runs as a non-root user, has a health check, and names only npm scripts that exist", () => {
  expect(instructions.filter((line) => line.startsWith("FROM ")).length).toBeGreaterThanOrEqual(2);
  expect(runtimeStage.find((line) => line.startsWith("USER "))).toMatch(/^USER (?!root\b|0\b)\S+/);
  expect(instructions.some((line) => /^RUN npm ci\b/.test(line))).toBe(true);
  expect(instructions.some((line) => /^RUN npm prune --omit=dev\b/.test(line))).toBe(true);
  // npm ci runs the root's prepare script: the build.
  expect(scripts.prepare).toBe("npm run build");
  const named = [...(dockerfile + compose).matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1] as string);
  expect(named.length).toBeGreaterThan(0);
  for (const name of named) expect({ name, exists: name in scripts }).toEqual({ name, exists: true });
});

it("runs the same commands as npm's start scripts, and compose runs three workers on AOF, noeviction Redis", () => {
  expect(cmd.join(" ")).toBe(scripts["start:api"]);
  expect(composeCommand("api").join(" ")).toBe(scripts["start:api"]);
  expect(composeCommand("worker").join(" ")).toBe(scripts["start:worker"]);
  expect(composeCommand("migrate").join(" ")).toBe(scripts.migrate);
  expect(compose).toMatch(/worker:[\s\S]*replicas: 3/);
  expect(composeCommand("redis")).toEqual(expect.arrayContaining(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]));
  expect(imageEnv.NODE_ENV).toBe("production");
});

describe("the built entry points, started with the image's environment", () => {
  let database: { name: string; url: string };
  const running: ServiceProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(running.map((service) => stopProcess(service, 5000)));
    await dropDatabase(database.name);
  });

  function run(argv: string[], env: Record<string, string>, label: string): ServiceProcess {
    const child = spawn(argv[0] === "node" ? process.execPath : (argv[0] as string), argv.slice(1), {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const service: ServiceProcess = {
      label,
      child,
      pid: child.pid as number,
      output: () => output,
      exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
      hasExited: () => child.exitCode !== null || child.signalCode !== null,
    };
    running.push(service);
    return service;
  }

  it("serve /readyz and pass the HEALTHCHECK, API and worker alike", async () => {
    const env = {
      ...imageEnv,
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: `mhtest-${runId()}-image-${process.pid}`,
      // What compose asks the operator for (docs/deploy.md): production refuses the public defaults.
      SECRET_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
      ADMIN_DEVELOPER_KEY: "a-production-strength-developer-key-0123456789",
      LOG_LEVEL: "info",
    };
    const apiEnv = { ...env, PORT: String(await freePort()), METRICS_PORT: "0" };
    const workerEnv = { ...env, PORT: String(await freePort()), METRICS_PORT: String(await freePort()) };
    const api = run(cmd, apiEnv, "api");
    const worker = run(composeCommand("worker"), workerEnv, "worker");
    const healthy = async (serviceEnv: Record<string, string>) => (await run(healthcheck, serviceEnv, "healthcheck").exited) === 0;
    await waitFor(async () => !api.hasExited() && (await healthy(apiEnv)), {
      what: "the API's health check",
      timeoutMs: 60_000,
      intervalMs: 1000,
    });
    await waitFor(async () => !worker.hasExited() && (await healthy(workerEnv)), {
      what: "the worker's health check",
      timeoutMs: 60_000,
      intervalMs: 1000,
    });
    // Production binds every interface (a container is reached from outside it) and says so.
    expect(api.output()).toMatch(new RegExp(`API listening on http://0\\.0\\.0\\.0:${apiEnv.PORT} \\(every interface\\)`));
    expect(worker.output()).toContain("worker started");
    expect(worker.output()).toContain(`http://0.0.0.0:${workerEnv.METRICS_PORT}/metrics`);
    expect(await stopProcess(api)).toBe(0);
    expect(await stopProcess(worker)).toBe(0);
  });
});
