import { describe, expect, it } from "@jest/globals";
import { ConfigError, loadConfig } from "../../packages/config/src/index.js";

const PUBLIC_DEV_ENCRYPTION_KEY = "bW9kZWxob29rcy1kZXZlbG9wbWVudC1vbmx5LWtleSE=";
const PUBLIC_DEV_ADMIN_KEY = "dev-admin-key";
const PRODUCTION = {
  NODE_ENV: "production",
  SECRET_ENCRYPTION_KEY: "a".repeat(64),
  ADMIN_DEVELOPER_KEY: "mhk_0123456789abcdefghijklmnopqrstuvwxyzAB",
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("fills every default from an empty environment (development)", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: "development",
      PORT: 3000,
      QUEUE_PREFIX: "modelhooks",
      BODY_LIMIT_BYTES: 1024 * 1024,
      DELIVERY_TIMEOUT_MS: 10_000,
      DELIVERY_MAX_ATTEMPTS: 8,
      DELIVERY_BACKOFF_BASE_MS: 5_000,
      DELIVERY_BACKOFF_MAX_MS: 10 * 60 * 60 * 1000,
      DELIVERY_RESPONSE_BODY_LIMIT_BYTES: 4096,
      WEBHOOK_DISABLE_AFTER_MS: 5 * 24 * 60 * 60 * 1000,
      LOG_LEVEL: "info",
      LOG_FORMAT: "pretty",
      ALLOW_PRIVATE_TARGETS: true,
      SIGN_IN_MAX_FAILURES_PER_ADDRESS: 20,
      SIGN_IN_MAX_FAILURES_PER_EMAIL: 100,
      SIGN_IN_THROTTLE_WINDOW_MS: 60_000,
      SIGN_IN_THROTTLE_CACHE_MS: 1_000,
      TRUST_PROXY: false,
      BUILDER: "simulated",
      PROMOTION_CALLBACK_TIMEOUT_MS: 24 * 60 * 60 * 1000,
      SCAN_RESULT_TIMEOUT_MS: 24 * 60 * 60 * 1000,
      RETENTION_DAYS: 30,
      RETENTION_INTERVAL_MS: 10 * 60 * 1000,
      RETENTION_BATCH_SIZE: 500,
    });
    expect(config.SECRET_ENCRYPTION_KEY_BYTES).toHaveLength(32);
  });

  it("coerces numeric strings and reads booleans", () => {
    const config = loadConfig({ PORT: "8080", DELIVERY_MAX_ATTEMPTS: "3", ALLOW_PRIVATE_TARGETS: "0" });
    expect(config.PORT).toBe(8080);
    expect(config.DELIVERY_MAX_ATTEMPTS).toBe(3);
    expect(config.ALLOW_PRIVATE_TARGETS).toBe(false);
    // A fraction of a day, for a short retention in a test or a trial.
    expect(loadConfig({ RETENTION_DAYS: "0.5" }).RETENTION_DAYS).toBe(0.5);
  });

  it("accepts a 32-byte key as hex or base64", () => {
    const hex = "0123456789abcdef".repeat(4);
    expect(loadConfig({ SECRET_ENCRYPTION_KEY: hex }).SECRET_ENCRYPTION_KEY_BYTES.equals(Buffer.from(hex, "hex"))).toBe(true);
    const base64 = Buffer.alloc(32, 7).toString("base64");
    expect(loadConfig({ SECRET_ENCRYPTION_KEY: base64 }).SECRET_ENCRYPTION_KEY_BYTES.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["PORT", "3.5"],
    ["DELIVERY_MAX_ATTEMPTS", "0"],
    ["DELIVERY_TIMEOUT_MS", "-1"],
    ["BODY_LIMIT_BYTES", "10"],
    ["SECRET_ENCRYPTION_KEY", "short"],
    ["SECRET_ENCRYPTION_KEY", Buffer.alloc(16).toString("base64")],
    ["ADMIN_DEVELOPER_KEY", "short"],
    ["ADMIN_EMAIL", "not-an-email"],
    ["DATABASE_URL", "not a url"],
    ["NODE_ENV", "staging"],
    ["ALLOW_PRIVATE_TARGETS", "yes"],
    ["LOG_LEVEL", "loud"],
    ["QUEUE_PREFIX", "has space"],
    ["SIGN_IN_MAX_FAILURES_PER_ADDRESS", "0"],
    ["SIGN_IN_MAX_FAILURES_PER_EMAIL", "many"],
    ["SIGN_IN_THROTTLE_WINDOW_MS", "1500"],
    ["SIGN_IN_THROTTLE_WINDOW_MS", "0"],
    ["TRUST_PROXY", "true"],
    ["TRUST_PROXY", "10.0.0.0/33"],
    ["TRUST_PROXY", "loopback, my-proxy"],
    ["RETENTION_DAYS", "-1"],
    ["RETENTION_DAYS", "a month"],
    ["RETENTION_BATCH_SIZE", "0"],
    ["RETENTION_BATCH_SIZE", "1000000"],
    ["EVENTS_PER_WORKSPACE_PER_SECOND", "-1"],
    ["EVENTS_PER_WORKSPACE_PER_SECOND", "lots"],
    ["EVENTS_PER_WORKSPACE_PER_SECOND", "2.5"],
  ])("throws a ConfigError naming %s for %p", (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.message).toContain(variable);
    // One line, fit for a start-up failure.
    expect(error.message).not.toContain("\n");
  });

  it("derives DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE from DELIVERY_CONCURRENCY and refuses bad values, naming it", () => {
    expect(loadConfig({}).DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE).toBe(25);
    expect(loadConfig({ DELIVERY_CONCURRENCY: "7" }).DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE).toBe(4);
    expect(loadConfig({ DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE: "50" }).DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE).toBe(50);
    for (const value of ["0", "-1", "2.5", "many", "51"]) {
      expect(configError({ DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE: value }).message).toContain("DELIVERY_MAX_IN_FLIGHT_PER_WORKSPACE");
    }
  });

  it("does not echo a rejected secret in the message", () => {
    const message = configError({ SECRET_ENCRYPTION_KEY: "leaky-secret-value" }).message;
    expect(message).toContain("SECRET_ENCRYPTION_KEY");
    expect(message).not.toContain("leaky-secret-value");
  });

  it("refuses the public default SECRET_ENCRYPTION_KEY in production", () => {
    const { SECRET_ENCRYPTION_KEY: _unused, ...withoutKey } = PRODUCTION;
    expect(configError(withoutKey).message).toContain("SECRET_ENCRYPTION_KEY");
    expect(configError({ ...PRODUCTION, SECRET_ENCRYPTION_KEY: PUBLIC_DEV_ENCRYPTION_KEY }).message).toContain("SECRET_ENCRYPTION_KEY");
  });

  it("refuses the public default ADMIN_DEVELOPER_KEY in production", () => {
    const { ADMIN_DEVELOPER_KEY: _unused, ...withoutKey } = PRODUCTION;
    expect(configError(withoutKey).message).toContain("ADMIN_DEVELOPER_KEY");
    expect(configError({ ...PRODUCTION, ADMIN_DEVELOPER_KEY: PUBLIC_DEV_ADMIN_KEY }).message).toContain("ADMIN_DEVELOPER_KEY");
  });

  it("refuses an ADMIN_DEVELOPER_KEY under 32 characters in production, in one line naming it", () => {
    const message = configError({ ...PRODUCTION, ADMIN_DEVELOPER_KEY: "a".repeat(31) }).message;
    expect(message).toMatch(/^invalid configuration: ADMIN_DEVELOPER_KEY: must be at least 32 characters in production/);
    expect(message).not.toContain("\n");
    expect(message).not.toContain("a".repeat(31));
    expect(loadConfig({ ...PRODUCTION, ADMIN_DEVELOPER_KEY: "a".repeat(32) }).ADMIN_DEVELOPER_KEY).toBe("a".repeat(32));
    // Outside production a short key is only a development convenience.
    expect(loadConfig({ ADMIN_DEVELOPER_KEY: "short-but-8" }).ADMIN_DEVELOPER_KEY).toBe("short-but-8");
  });

  it("reads TRUST_PROXY as express's trust proxy: off, a hop count, or a list of proxies", () => {
    expect(loadConfig({ TRUST_PROXY: "false" }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "1" }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "loopback, 10.0.0.0/8, fd00::/8, 192.0.2.7" }).TRUST_PROXY).toBe(
      "loopback, 10.0.0.0/8, fd00::/8, 192.0.2.7",
    );
  });

  it("accepts production with its own keys", () => {
    const config = loadConfig(PRODUCTION);
    expect(config.NODE_ENV).toBe("production");
    expect(config.LOG_FORMAT).toBe("json");
  });

  it("defaults ALLOW_PRIVATE_TARGETS to true outside production and false in production; an explicit value wins", () => {
    expect(loadConfig({ NODE_ENV: "development" }).ALLOW_PRIVATE_TARGETS).toBe(true);
    expect(loadConfig({ NODE_ENV: "test" }).ALLOW_PRIVATE_TARGETS).toBe(true);
    expect(loadConfig(PRODUCTION).ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(loadConfig({ ...PRODUCTION, ALLOW_PRIVATE_TARGETS: "true" }).ALLOW_PRIVATE_TARGETS).toBe(true);
    expect(loadConfig({ NODE_ENV: "development", ALLOW_PRIVATE_TARGETS: "false" }).ALLOW_PRIVATE_TARGETS).toBe(false);
  });

  it.each([
    ["PROMOTION_CALLBACK_TIMEOUT_MS", "-1"],
    ["PROMOTION_CALLBACK_TIMEOUT_MS", "abc"],
    ["SCAN_RESULT_TIMEOUT_MS", "0"],
    ["BUILDER", "docker"],
  ])("refuses %s=%s, naming the variable", (variable, value) => {
    expect(configError({ [variable]: value }).message).toMatch(new RegExp(`^invalid configuration: ${variable}: `));
  });
});
