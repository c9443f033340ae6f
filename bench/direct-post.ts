// The limit: the same receiver hit directly by a plain loop of POSTs of the same body, at the same
// concurrency as the worker delivers, once with got (the worker's own WebhookTransport, configured
// by the same environment) and once with undici.
import http from "node:http";
import { got } from "got";
import { Pool } from "undici";
import { loadConfig } from "@modelhooks/config";
import { createTransport, USER_AGENT } from "@modelhooks/webhooks";
import type { SampleRequest } from "./receiver.js";
import { rate } from "./stats.js";

export type DirectClient = "got" | "gotDefault" | "undici";

export interface DirectResult {
  client: DirectClient;
  concurrency: number;
  requests: number;
  failures: number;
  elapsedMs: number;
  perSecond: number;
}

export interface DirectLoop {
  url: string;
  request: SampleRequest;
  concurrency: number;
  /** Stops after this many requests or `maxMs`, whichever comes first. */
  maxRequests: number;
  maxMs: number;
  /** The environment the workers run with, so the transport is configured as theirs is. */
  workerEnv: Record<string, string>;
}

type Send = () => Promise<boolean>;

export async function runDirectLoop(client: DirectClient, loop: DirectLoop): Promise<DirectResult> {
  const { send, close } = client === "got" ? gotSender(loop) : client === "gotDefault" ? gotDefaultSender(loop) : undiciSender(loop);
  try {
    // A short warm-up opens the connections, as the worker's are open after its warm-up.
    await runLoop(send, loop.concurrency, loop.concurrency * 4, 5_000);
    const { requests, failures, elapsedMs } = await runLoop(send, loop.concurrency, loop.maxRequests, loop.maxMs);
    return { client, concurrency: loop.concurrency, requests, failures, elapsedMs, perSecond: rate(requests - failures, elapsedMs) };
  } finally {
    await close();
  }
}

async function runLoop(send: Send, concurrency: number, maxRequests: number, maxMs: number) {
  let issued = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  const worker = async () => {
    while (issued < maxRequests && performance.now() < deadline) {
      issued += 1;
      if (!(await send().catch(() => false))) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests: issued, failures, elapsedMs: performance.now() - started };
}

function gotSender(loop: DirectLoop): { send: Send; close: () => Promise<void> } {
  const transport = createTransport(loadConfig(loop.workerEnv));
  const outgoing = { url: loop.url, body: loop.request.body, headers: loop.request.headers };
  return {
    send: async () => (await transport.send(outgoing)).statusCode === 200,
    close: async () => transport.close(),
  };
}

/** got as it comes, with only a keep-alive agent (as many sockets as requests in flight): what the tuned transport is compared with. */
function gotDefaultSender(loop: DirectLoop): { send: Send; close: () => Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: loop.concurrency });
  const headers = { ...loop.request.headers, "user-agent": USER_AGENT };
  return {
    send: async () => {
      const response = await got.post(loop.url, { body: loop.request.body, headers, agent: { http: agent }, throwHttpErrors: false });
      return response.statusCode === 200;
    },
    close: async () => agent.destroy(),
  };
}

function undiciSender(loop: DirectLoop): { send: Send; close: () => Promise<void> } {
  const url = new URL(loop.url);
  const pool = new Pool(url.origin, { connections: loop.concurrency, keepAliveTimeout: 60_000 });
  const headers = { ...loop.request.headers, "user-agent": USER_AGENT };
  const path = `${url.pathname}${url.search}`;
  return {
    send: async () => {
      const response = await pool.request({ path, method: "POST", headers, body: loop.request.body });
      // Read the answer as the transport does, so both clients do the same work.
      await response.body.text();
      return response.statusCode === 200;
    },
    close: () => pool.close(),
  };
}
