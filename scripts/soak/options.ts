import { parseArgs } from "node:util";
import { LOCAL_POSTGRES_URL } from "../lib/local-services.js";

export interface SoakOptions {
  /** Seconds of load, after a short warm-up (baseline + isolation + chaos phases). */
  durationS: number;
  /** createEvent requests per second. */
  rate: number;
  /** Seconds between two SIGKILLs of the worker during the chaos phase. */
  killEveryS: number;
  /** Upper bound of the wait for every call to reach SUCCESS or FAILURE once the load stops. */
  drainS: number;
  /** Chance that one of the flaky receivers answers 500. */
  failureRate: number;
  seed: number;
  /** Add the hanging webhook after the baseline phase (off: the same run without it, to compare). */
  hanging: boolean;
  /** Where to write the figures as JSON (for the CI test), if anywhere. */
  jsonPath?: string;
  /** Keep the database at the end (to look at it), instead of dropping it. */
  keepDatabase: boolean;
  postgresUrl: string;
  /** Old events (40 days) seeded before the load, for the scheduled retention job to delete during it. */
  oldHistory: number;
}

export const HELP = `npm run soak -- [options]
  --duration S      seconds of load (default 120): baseline, then a hanging webhook, then chaos
  --rate N          createEvent requests per second (default 5: about 50 delivery attempts/s,
                    well within one worker; above its capacity latency measures the backlog)
  --kill-every S    seconds between SIGKILLs of the worker in the chaos phase (default 20)
  --drain S         longest wait for every call to be final after the load (default 60)
  --failure-rate F  chance a flaky receiver answers 500 (default 0.2)
  --no-hanging      never add the hanging webhook (the run to compare the isolation phase with)
  --seed N          seed of the receivers' randomness (default: from the clock; printed)
  --json FILE       also write the figures as JSON to FILE
  --keep-db         keep the soak's database instead of dropping it
  --old-history N   seed N events 40 days old (3 attempts each) for the worker's retention job to
                    delete while the load runs (default 0); the report says how many went
  --postgres-url U  maintenance database URL (default ${LOCAL_POSTGRES_URL})`;

export class UsageError extends Error {}

function number(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new UsageError(`--${name}: expected a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

export function parseOptions(argv: string[]): SoakOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: "string", default: "120" },
      rate: { type: "string", default: "5" },
      "kill-every": { type: "string", default: "20" },
      drain: { type: "string", default: "60" },
      "failure-rate": { type: "string", default: "0.2" },
      seed: { type: "string" },
      json: { type: "string" },
      "no-hanging": { type: "boolean", default: false },
      "keep-db": { type: "boolean", default: false },
      "old-history": { type: "string", default: "0" },
      "postgres-url": { type: "string", default: LOCAL_POSTGRES_URL },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return "help";
  return {
    durationS: number("duration", values.duration, 10, 24 * 3600),
    rate: number("rate", values.rate, 1, 500),
    killEveryS: number("kill-every", values["kill-every"], 2, 3600),
    drainS: number("drain", values.drain, 5, 3600),
    failureRate: number("failure-rate", values["failure-rate"], 0, 0.9),
    seed: values.seed === undefined ? Date.now() % 2 ** 31 : number("seed", values.seed, 0, 2 ** 31),
    hanging: !values["no-hanging"],
    jsonPath: values.json,
    keepDatabase: values["keep-db"],
    postgresUrl: values["postgres-url"],
    oldHistory: number("old-history", values["old-history"], 0, 10_000_000),
  };
}
