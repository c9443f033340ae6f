import winston from "winston";
import type { Config } from "@modelhooks/config";

export type Logger = winston.Logger;

// Field names whose values never reach a log line, whatever a caller passes by mistake.
const REDACTED_KEYS = /secret|developer_?key|authorization|password|token/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (REDACTED_KEYS.test(key)) info[key] = "[redacted]";
  }
  return info;
});

export function createLogger(
  config: Pick<Config, "LOG_LEVEL" | "LOG_FORMAT">,
  service: string,
  transports: winston.transport[] = [new winston.transports.Console({ stderrLevels: ["error", "warn"] })],
): Logger {
  // winston formats every line before its transports drop the levels they do not want: a line below
  // the logger's level (every request's "http" line at the default "info") stops here instead, unformatted.
  const enabled = winston.format((info) => (logger.isLevelEnabled(info.level) ? info : false));
  const format =
    config.LOG_FORMAT === "json"
      ? winston.format.combine(
          enabled(),
          redact(),
          winston.format.timestamp(),
          winston.format.errors({ stack: false }),
          winston.format.json(),
        )
      : winston.format.combine(
          enabled(),
          redact(),
          winston.format.timestamp({ format: "HH:mm:ss.SSS" }),
          winston.format.colorize(),
          winston.format.printf(({ level, message, timestamp, service: name, ...rest }) => {
            const context = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
            return `${String(timestamp)} ${String(name)} ${level}: ${String(message)}${context}`;
          }),
        );
  const logger = winston.createLogger({ level: config.LOG_LEVEL, defaultMeta: { service }, format, transports });
  return logger;
}
