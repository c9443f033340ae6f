import { parseArgs } from "node:util";
import { LOCAL_POSTGRES_URL, LOCAL_REDIS_URL } from "../scripts/lib/local-services.js";

export const SCENARIO_NAMES = ["ingest", "fanout1", "fanout10", "slow", "wide", "backlog", "neighbour"] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface BenchOptions {
  /** Events per scenario at full speed, after the warm-up. */
  events: number;
  warmup: number;
  /** createEvent requests measured at full speed in the ingestion scenario (and as many to the bare Express server). */
  ingestEvents: number;
  /** Webhooks of the one event of the wide fan-out scenario. */
  wideFanOut: number;
  /** Worker processes (each with the default DELIVERY_CONCURRENCY). */
  workers: number;
  /** createEvent requests in flight at full speed. */
  apiConcurrency: number;
  /** The moderate rate, as a fraction of the end-to-end maximum measured at full speed. */
  moderateFraction: number;
  moderateSeconds: number;
  /** Deliveries queued for the worker-memory check. */
  backlog: number;
  backlogFanOut: number;
  /** How long the worker works through the backlog while its memory is watched. */
  drainSeconds: number;
  /** Upper bound of one direct-POST loop (it also stops after as many requests as the scenario delivered). */
  directSeconds: number;
  neighbourSeconds: number;
  neighbourRate: number;
  scenarios: ScenarioName[];
  /** Runs the API and the workers with --cpu-prof and summarises the profiles. */
  profile: boolean;
  /** Counts PostgreSQL round trips per step at the end (a few seconds). */
  census: boolean;
  /** Extra NODE_OPTIONS for the API and the workers, for experiments (e.g. a heap cap). */
  nodeOptions: string;
  /** Extra environment for the API and the workers, for experiments (e.g. DELIVERY_CONCURRENCY). */
  serviceEnv: Record<string, string>;
  postgresUrl: string;
  redisUrl: string;
}

const HELP = `npm run bench -- [options]
  --events N            events per scenario at full speed (default 600)
  --warmup N            warm-up events per scenario (default 100)
  --ingest-events N     createEvent requests at full speed in the ingestion scenario (default 3000)
  --wide-fanout N       webhooks of the one event of the wide fan-out scenario (default 10000)
  --workers N           worker processes (default 1)
  --api-concurrency N   createEvent requests in flight at full speed (default 32)
  --moderate-fraction F moderate rate as a fraction of the measured maximum (default 0.2)
  --moderate-seconds S  length of the moderate-rate run (default 8)
  --backlog N           deliveries queued for the worker-memory check (default 100000; 0 skips it)
  --backlog-fanout N    webhooks the backlog events fan out to (default 100)
  --drain-seconds S     time the worker works through the backlog while watched (default 10)
  --direct-seconds S    upper bound of each direct-POST loop (default 5)
  --neighbour-seconds S length of each phase of the noisy-neighbour scenario (default 30)
  --neighbour-rate N    the quiet workspace's events per second in it (default 10)
  --scenarios LIST      comma-separated subset of ${SCENARIO_NAMES.join(",")} (default all)
  --profile             run API and workers with node --cpu-prof and summarise the profiles
  --no-census           skip the count of PostgreSQL round trips per step at the end
  --node-options FLAGS  NODE_OPTIONS for the API and the workers (experiments, e.g. "--max-old-space-size=160")
  --env NAME=VALUE      extra environment for the API and the workers (repeatable; experiments)
  --postgres-url URL    maintenance database URL (default ${LOCAL_POSTGRES_URL})
  --redis-url URL       (default ${LOCAL_REDIS_URL})`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: "string", default: "600" },
      warmup: { type: "string", default: "100" },
      "ingest-events": { type: "string", default: "3000" },
      "wide-fanout": { type: "string", default: "10000" },
      workers: { type: "string", default: "1" },
      "api-concurrency": { type: "string", default: "32" },
      "moderate-fraction": { type: "string", default: "0.2" },
      "moderate-seconds": { type: "string", default: "8" },
      backlog: { type: "string", default: "100000" },
      "backlog-fanout": { type: "string", default: "100" },
      "drain-seconds": { type: "string", default: "10" },
      "direct-seconds": { type: "string", default: "5" },
      "neighbour-seconds": { type: "string", default: "30" },
      "neighbour-rate": { type: "string", default: "10" },
      scenarios: { type: "string", default: SCENARIO_NAMES.join(",") },
      profile: { type: "boolean", default: false },
      "no-census": { type: "boolean", default: false },
      "node-options": { type: "string", default: "" },
      env: { type: "string", multiple: true, default: [] },
      "postgres-url": { type: "string", default: LOCAL_POSTGRES_URL },
      "redis-url": { type: "string", default: LOCAL_REDIS_URL },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const scenarios = values.scenarios
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of scenarios) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name))
      throw new Error(`--scenarios: unknown scenario "${name}" (known: ${SCENARIO_NAMES.join(", ")})`);
  }
  return {
    events: count(values.events, "--events", 1),
    warmup: count(values.warmup, "--warmup", 0),
    ingestEvents: count(values["ingest-events"], "--ingest-events", 1),
    wideFanOut: count(values["wide-fanout"], "--wide-fanout", 1),
    workers: count(values.workers, "--workers", 1),
    apiConcurrency: count(values["api-concurrency"], "--api-concurrency", 1),
    moderateFraction: fraction(values["moderate-fraction"], "--moderate-fraction"),
    moderateSeconds: count(values["moderate-seconds"], "--moderate-seconds", 1),
    backlog: count(values.backlog, "--backlog", 0),
    backlogFanOut: count(values["backlog-fanout"], "--backlog-fanout", 1),
    drainSeconds: count(values["drain-seconds"], "--drain-seconds", 1),
    directSeconds: count(values["direct-seconds"], "--direct-seconds", 1),
    neighbourSeconds: count(values["neighbour-seconds"], "--neighbour-seconds", 1),
    neighbourRate: count(values["neighbour-rate"], "--neighbour-rate", 1),
    scenarios: scenarios as ScenarioName[],
    profile: values.profile,
    census: !values["no-census"],
    nodeOptions: values["node-options"],
    serviceEnv: Object.fromEntries(values.env.map(assignment)),
    postgresUrl: values["postgres-url"],
    redisUrl: values["redis-url"],
  };
}

function count(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`${flag}: expected an integer ≥ ${min}, got "${text}"`);
  return value;
}

function assignment(text: string): [string, string] {
  const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(text);
  if (!match) throw new Error(`--env: expected NAME=VALUE, got "${text}"`);
  return [match[1] as string, match[2] as string];
}

function fraction(text: string, flag: string): number {
  const value = Number(text);
  if (!(value > 0 && value <= 1)) throw new Error(`${flag}: expected a number in (0, 1], got "${text}"`);
  return value;
}
