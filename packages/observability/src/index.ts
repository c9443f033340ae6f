export { createLogger, type Logger } from "./logger.js";
export { createMetrics, type Metrics } from "./metrics.js";
export { OutageLog, OUTAGE_LOG_INTERVAL_MS, type Dependency } from "./outage-log.js";
export { listen, boundUrl } from "./listen.js";
