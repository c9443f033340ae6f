import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "@jest/globals";
import { freePort, ROOT } from "../../scripts/lib/local-services.js";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { testEnv } from "../support/harness.js";
import { databaseUrl, dropDatabase, runId } from "../support/test-database.js";

// `npm start` as a user types it: built JavaScript only, and nothing written into the project tree
// while starting (a read-only container would otherwise fail to start). As root a read-only mode
// would prove nothing, so the test compares every file's modification time and size instead.
const database = `mh_test_${runId()}_built_start_${process.pid}`;
let npm: ChildProcess | undefined;

afterAll(async () => {
  if (npm && npm.exitCode === null) {
    const exited = new Promise((resolve) => npm!.once("exit", resolve));
    npm.kill("SIGTERM");
    await exited;
  }
  await dropDatabase(database);
});

/** Every file outside node_modules and .git, with its modification time and size. */
function projectFiles(dir = ROOT, into = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".git") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) projectFiles(full, into);
    else if (entry.isFile()) {
      const stat = statSync(full);
      into.set(path.relative(ROOT, full), `${stat.mtimeMs} ${stat.size}`);
    }
  }
  return into;
}

/** The command lines of `pid` and every process below it (Linux /proc). */
function processTree(pid: number): string[][] {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree.flatMap((member) => {
    try {
      return [readFileSync(`/proc/${member}/cmdline`, "utf8").split("\0").filter(Boolean)];
    } catch {
      return [];
    }
  });
}

it("runs built JavaScript with no TypeScript loader, and writes nothing into the project tree while starting", async () => {
  const port = await freePort();
  const metricsPort = await freePort();
  const before = projectFiles();
  let output = "";
  npm = spawn("npm", ["start"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? "/tmp",
      ...testEnv({
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        DATABASE_URL: databaseUrl(database),
        QUEUE_PREFIX: `mhtest-${runId()}-built-${process.pid}`,
        LOG_LEVEL: "info",
      }),
    },
  });
  npm.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const ready = async (url: string) => (await fetch(url).catch(() => undefined))?.ok === true;
  await waitFor(async () => (await ready(`http://127.0.0.1:${port}/readyz`)) && (await ready(`http://127.0.0.1:${metricsPort}/readyz`)), {
    what: `npm start to be ready; its output so far:\n${output}`,
    timeoutMs: 90_000,
  });

  const commands = processTree(npm.pid as number);
  const nodes = commands.filter((argv) => path.basename(argv[0] ?? "") === "node");
  // npm itself, start.js, the API and the worker.
  expect(nodes.length).toBeGreaterThanOrEqual(3);
  const services = nodes.filter((argv) => argv.some((arg) => arg.includes("/dist/")));
  expect(services.map((argv) => argv.find((arg) => arg.includes("/dist/"))?.replace(ROOT, ""))).toEqual(
    expect.arrayContaining(["/apps/api/dist/main.js", "/apps/worker/dist/main.js"]),
  );
  for (const argv of nodes) {
    expect({ argv, loader: argv.some((arg) => /tsx|ts-node|--loader|--experimental-loader|--import|\.ts$/.test(arg)) }).toEqual({
      argv,
      loader: false,
    });
  }

  const after = projectFiles();
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((file) => before.get(file) !== after.get(file));
  expect(changed).toEqual([]);
});
