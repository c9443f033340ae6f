// The image's HEALTHCHECK (`node dist/scripts/healthcheck.js`), for either command the image runs:
// healthy when the API's /readyz (PORT) or the worker's (METRICS_PORT) answers 200.
import { loadConfig } from "@modelhooks/config";

const config = loadConfig();
const local = (host: string) => (host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host);
const candidates = [
  `http://${local(config.HOST)}:${config.PORT}/readyz`,
  ...(config.METRICS_PORT > 0 ? [`http://${local(config.METRICS_HOST)}:${config.METRICS_PORT}/readyz`] : []),
];
for (const url of candidates) {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
  if (response?.ok) process.exit(0);
}
process.stderr.write(`not ready: none of ${candidates.join(", ")} answered 200\n`);
process.exit(1);
