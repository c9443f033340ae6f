import { envSchema, type Config, type EnvInput } from "./env-schema.js";

export class ConfigError extends Error {}

/** Parses the environment once; the message names the first bad variable on one line. */
export function loadConfig(env: EnvInput = process.env): Config {
  const result = envSchema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = issue?.path.join(".") || "environment";
  throw new ConfigError(`invalid configuration: ${variable}: ${issue?.message ?? "invalid"}`);
}

/** For process entry points: print the one line and exit instead of a stack trace. */
export function loadConfigOrExit(env: EnvInput = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}
