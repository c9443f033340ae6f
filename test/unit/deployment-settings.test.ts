import { describe, expect, it } from "@jest/globals";
import { ConfigError, displayUrl, loadConfig } from "../../packages/config/src/index.js";
import { parseClusterUrl } from "../../packages/queues/src/index.js";

const PRODUCTION = {
  NODE_ENV: "production",
  SECRET_ENCRYPTION_KEY: "a".repeat(64),
  ADMIN_DEVELOPER_KEY: "mhk_0123456789abcdefghijklmnopqrstuvwxyzAB",
};

describe("where the processes listen", () => {
  it("binds loopback in development and every interface in production, unless HOST / METRICS_HOST say otherwise", () => {
    expect(loadConfig({})).toMatchObject({ HOST: "127.0.0.1", METRICS_HOST: "127.0.0.1", METRICS_PORT: 9464 });
    expect(loadConfig(PRODUCTION)).toMatchObject({ HOST: "0.0.0.0", METRICS_HOST: "0.0.0.0" });
    expect(loadConfig({ ...PRODUCTION, HOST: "10.0.0.5", METRICS_HOST: "::" })).toMatchObject({ HOST: "10.0.0.5", METRICS_HOST: "::" });
    expect(loadConfig({ METRICS_PORT: "0" }).METRICS_PORT).toBe(0);
    expect(() => loadConfig({ HOST: "not a host!" })).toThrow(
      new ConfigError("invalid configuration: HOST: must be an IP address or a host name"),
    );
  });

  it("leaves the pool size to each role unless DATABASE_POOL_SIZE is set", () => {
    expect(loadConfig({}).DATABASE_POOL_SIZE).toBeUndefined();
    expect(loadConfig({ DATABASE_POOL_SIZE: "25" }).DATABASE_POOL_SIZE).toBe(25);
    expect(() => loadConfig({ DATABASE_POOL_SIZE: "0" })).toThrow(/DATABASE_POOL_SIZE/);
  });
});

describe("REDIS_URL", () => {
  it("takes a server or a cluster, and refuses anything else with the variable's name", () => {
    expect(loadConfig({ REDIS_URL: "rediss://:pw@redis.example.com:6380/2" }).REDIS_URL).toBe("rediss://:pw@redis.example.com:6380/2");
    expect(loadConfig({ REDIS_URL: "redis-cluster://10.0.0.1:7000,10.0.0.2:7000" }).REDIS_URL).toBe(
      "redis-cluster://10.0.0.1:7000,10.0.0.2:7000",
    );
    for (const bad of ["http://127.0.0.1:6379", "redis-cluster://10.0.0.1", "redis-cluster://a:1,,b:2", "127.0.0.1:6379"]) {
      expect(() => loadConfig({ REDIS_URL: bad })).toThrow(/^invalid configuration: REDIS_URL: must be redis:\/\//);
    }
  });

  it("gives the queue prefix a hash tag on a cluster, so each queue's keys share a slot", () => {
    expect(loadConfig({}).QUEUE_PREFIX).toBe("modelhooks");
    expect(loadConfig({ REDIS_URL: "redis-cluster://h:1" }).QUEUE_PREFIX).toBe("{modelhooks}");
    expect(loadConfig({ REDIS_URL: "redis-cluster://h:1", QUEUE_PREFIX: "mh-{eu}" }).QUEUE_PREFIX).toBe("mh-{eu}");
  });

  it("parses a cluster URL into its nodes and credentials", () => {
    expect(parseClusterUrl("redis://127.0.0.1:6379")).toBeUndefined();
    expect(parseClusterUrl("rediss-cluster://app:s%40cret@10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002")).toEqual({
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "10.0.0.2", port: 7001 },
        { host: "::1", port: 7002 },
      ],
      username: "app",
      password: "s@cret",
      tls: true,
    });
  });
});

it("shows a connection URL without its password", () => {
  expect(displayUrl("postgresql://app:hunter2@db:5432/modelhooks")).toBe("postgresql://app:***@db:5432/modelhooks");
  expect(displayUrl("redis://:hunter2@127.0.0.1:6379")).toBe("redis://:***@127.0.0.1:6379");
  expect(displayUrl("redis-cluster://u:p@h:1,h:2")).toBe("redis-cluster://u:***@h:1,h:2");
  expect(displayUrl("postgresql://postgres@127.0.0.1:5432/modelhooks")).toBe("postgresql://postgres@127.0.0.1:5432/modelhooks");
});
