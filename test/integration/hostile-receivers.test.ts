import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { WebhookTransport, type TransportResult } from "@modelhooks/webhooks";
import { createHarness, EVENTS, type Harness } from "../support/harness.js";
import { RawHttpServer, type RawHandler } from "../support/raw-http-server.js";
import { Receiver } from "../support/receiver.js";
import { waitFor } from "../../scripts/lib/wait-for.js";

// docs/security.md: a receiver can be slow, silent, rude or enormous; a delivery still costs bounded time
// and memory, redirects are not followed and at most 4 KiB of the answer is kept.
const TIMEOUT_MS = 2000; // generous: "bounded" is the point, and CI machines are busy
const BODY_LIMIT = 4096;
/** How late after the timeout an attempt may still resolve (event loop, CI noise). */
const MARGIN_MS = 1500;
/** What a receiver may push at us before we hang up: socket buffers, not the nominal 4 GB. */
const MAX_BYTES_WRITTEN = 64 * 1024 * 1024;
const FOUR_GB = 4 * 1024 * 1024 * 1024;
const MB = 1024 * 1024;

const STATUS_OK_HEAD = (headers: string) => `HTTP/1.1 200 OK\r\n${headers}\r\n`;

describe("WebhookTransport against hostile receivers", () => {
  let transport: WebhookTransport;
  let server: RawHttpServer | undefined;

  beforeAll(() => {
    transport = new WebhookTransport({
      timeoutMs: TIMEOUT_MS,
      responseBodyLimitBytes: BODY_LIMIT,
      allowPrivateTargets: true,
      userAgent: "test",
    });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(() => transport.close());

  /** Starts a raw receiver, sends one webhook to it, and times the whole call from outside. */
  async function sendTo(
    handler: RawHandler,
    path = "/hook",
  ): Promise<{ result: TransportResult; wallMs: number; started: number; server: RawHttpServer }> {
    server = await RawHttpServer.start(handler);
    const started = Date.now();
    const result = await transport.send({
      url: server.url(path),
      body: JSON.stringify({ hello: "receiver" }),
      headers: { "content-type": "application/json" },
    });
    return { result, wallMs: Date.now() - started, started, server };
  }

  function expectTimedOut(result: TransportResult, wallMs: number) {
    expect(result).toMatchObject({ statusCode: 0, body: "", errorKind: "timeout" });
    expect(result.error).toMatch(/timeout/i);
    expect(result.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(wallMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  }

  /** The client, not the receiver, ended the connection, and did so promptly. */
  async function expectHungUp(target: RawHttpServer) {
    const [connection] = target.connections;
    expect(connection).toBeDefined();
    await waitFor(() => connection!.closedAt > 0, { timeoutMs: 2000, what: "the client to drop the connection" });
  }

  describe("silence and slowness end at the timeout", () => {
    it("never answers: status 0, a timeout error, after about the timeout", async () => {
      const { result, wallMs, server } = await sendTo(() => undefined);
      expectTimedOut(result, wallMs);
      await expectHungUp(server);
    });

    it("answers 102 Processing and then nothing: a timeout", async () => {
      const { result, wallMs, server } = await sendTo((connection, raw) => raw.write(connection, "HTTP/1.1 102 Processing\r\n\r\n"));
      expectTimedOut(result, wallMs);
      await expectHungUp(server);
    });

    it("sends 1xx forever to look alive: still a timeout", async () => {
      const { result, wallMs, server } = await sendTo((connection, raw) => raw.repeat(connection, "HTTP/1.1 102 Processing\r\n\r\n", 20));
      expectTimedOut(result, wallMs);
      await expectHungUp(server);
    });

    it("writes the whole answer, status line included, one byte every 150 ms: a timeout", async () => {
      const answer = `${STATUS_OK_HEAD("Content-Length: 2\r\n")}ok`; // ~40 bytes: ~6 s at this pace
      const { result, wallMs, server } = await sendTo((connection, raw) => raw.trickle(connection, answer, 150));
      expectTimedOut(result, wallMs);
      await expectHungUp(server);
      expect(server.connections[0]!.written).toBeLessThan(answer.length);
    });

    it("sends headers at once then the body one byte every 50 ms: resolves at the timeout with the status and what came", async () => {
      // The status line arrived within the timeout, so the transport reports it (with the partial
      // body) rather than a timeout; what matters here is that the slow body cannot hold it longer.
      const { result, wallMs, server } = await sendTo((connection, raw) => {
        raw.write(connection, STATUS_OK_HEAD("Content-Length: 100\r\n"));
        raw.trickle(connection, "x".repeat(100), 50);
      });
      expect(result.statusCode).toBe(200);
      expect(result.body).toMatch(/^x+$/);
      expect(result.body.length).toBeLessThan(100);
      expect(result.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(wallMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      await expectHungUp(server);
    });
  });

  describe("a connection dropped by the receiver ends the attempt at once", () => {
    /** Writes `head`, then 50 ms later ends the connection or resets it; with no head, ends it at once. */
    const cutAfter =
      (head: string, how: "end" | "reset"): RawHandler =>
      (connection, raw) => {
        if (!head) return void connection.socket.end();
        raw.write(connection, head);
        setTimeout(() => (how === "end" ? connection.socket.end() : connection.socket.resetAndDestroy()), 50);
      };

    it.each([
      ["closes without answering", cutAfter("", "end"), /ECONNRESET|socket hang up/],
      ["closes mid-headers", cutAfter("HTTP/1.1 200 OK\r\nContent-Ty", "end"), /ECONNRESET|socket hang up/],
      ["resets the socket mid-headers", cutAfter("HTTP/1.1 200 O", "reset"), /./],
    ])("%s: status 0, a connection error", async (_name, handler, error) => {
      const { result, wallMs } = await sendTo(handler);
      expect(result).toMatchObject({ statusCode: 0, body: "", errorKind: "connection" });
      expect(result.error).toMatch(error);
      expect(wallMs).toBeLessThan(TIMEOUT_MS / 2);
    });

    it.each([
      ["Content-Length", "Content-Length: 1000\r\n", "abcdefghij"],
      ["chunked", "Transfer-Encoding: chunked\r\n", "a\r\nabcdefghij\r\n"],
    ])("closes mid-body (%s framing): the status that arrived, the partial body, at once", async (_framing, header, partial) => {
      const { result, wallMs } = await sendTo((connection, raw) => {
        raw.write(connection, STATUS_OK_HEAD(header) + partial);
        setTimeout(() => connection.socket.end(), 50);
      });
      expect(result.statusCode).toBe(200);
      expect(result.body).toBe("abcdefghij");
      expect(wallMs).toBeLessThan(TIMEOUT_MS / 2);
    });

    it("a multi-byte character cut by the 4 KiB limit is dropped whole, not stored as a replacement character", async () => {
      // "é" is 2 bytes in UTF-8: after 4095 ASCII bytes its first byte is the last one kept.
      const body = `${"a".repeat(BODY_LIMIT - 1)}é and more`;
      const { result } = await sendTo((connection, raw) =>
        raw.write(connection, STATUS_OK_HEAD(`Content-Length: ${Buffer.byteLength(body)}\r\n`) + body),
      );
      expect(result.statusCode).toBe(200);
      expect(result.body).toBe("a".repeat(BODY_LIMIT - 1));
    });

    it("answers garbage instead of a status line: status 0, a connection error", async () => {
      const { result, wallMs } = await sendTo((connection, raw) => raw.write(connection, "SSH-2.0-OpenSSH_9.6\r\n\r\n"));
      expect(result).toMatchObject({ statusCode: 0, errorKind: "connection" });
      expect(wallMs).toBeLessThan(TIMEOUT_MS / 2);
    });
  });

  describe("enormous answers are read up to the limit and the connection dropped", () => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    const chunked = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);

    it.each([
      ["a 4 GB Content-Length", `Content-Length: ${FOUR_GB}\r\n`, chunk],
      ["endless chunked encoding", "Transfer-Encoding: chunked\r\n", chunked],
      ["a body delimited by the connection's end", "Connection: close\r\n", chunk],
    ])("%s: 4096 bytes kept, the receiver cut off after a few MB, memory flat", async (_name, header, piece) => {
      const rssBefore = process.memoryUsage().rss;
      const { result, wallMs, started, server } = await sendTo((connection, raw) => {
        raw.write(connection, STATUS_OK_HEAD(header));
        raw.pump(connection, piece);
      });
      expect(result.statusCode).toBe(200);
      expect(result.body).toBe("a".repeat(BODY_LIMIT));
      expect(Buffer.byteLength(result.body)).toBe(BODY_LIMIT);
      expect(result.error).toBeUndefined();
      // Dropped as soon as the limit was reached, not at the timeout.
      expect(wallMs).toBeLessThan(TIMEOUT_MS);
      await expectHungUp(server);
      const [connection] = server.connections;
      expect(connection!.closedAt - started).toBeLessThan(TIMEOUT_MS);
      expect(connection!.written).toBeGreaterThan(BODY_LIMIT);
      expect(connection!.written).toBeLessThan(MAX_BYTES_WRITTEN);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * MB);
    });

    it("headers that never end: status 0, a connection error, the receiver cut off", async () => {
      const junk = Buffer.from(`X-Junk: ${"j".repeat(1000)}\r\n`);
      const { result, wallMs, server } = await sendTo((connection, raw) => {
        raw.write(connection, "HTTP/1.1 200 OK\r\n");
        raw.pump(connection, junk);
      });
      expect(result).toMatchObject({ statusCode: 0, errorKind: "connection" });
      expect(wallMs).toBeLessThan(TIMEOUT_MS);
      await expectHungUp(server);
      expect(server.connections[0]!.written).toBeLessThan(MAX_BYTES_WRITTEN);
    });
  });

  describe("status codes are reported, never acted on", () => {
    it.each([301, 302, 303, 307, 308])("%i with a Location: that status, and the target is never requested", async (status) => {
      const { result, server } = await sendTo((connection, raw) => {
        const answer =
          connection.path === "/target"
            ? `${STATUS_OK_HEAD("Content-Length: 8\r\n")}followed`
            : `HTTP/1.1 ${status} Moved\r\nLocation: /target\r\nContent-Length: 5\r\n\r\nmoved`;
        raw.write(connection, answer);
      });
      expect(result.statusCode).toBe(status);
      expect(result.body).toBe("moved");
      expect(result.headers.location).toBe("/target");
      // a followed redirect would have happened before send() resolved
      expect(server.requested("/target")).toHaveLength(0);
      expect(server.requested("/hook")).toHaveLength(1);
    });

    it.each([
      ["100 Continue and 102 Processing", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n", 200],
      ["103 Early Hints", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n", 204],
    ])("%s then a final answer: the final status", async (_name, interim, final) => {
      const { result, wallMs } = await sendTo((connection, raw) => {
        raw.write(connection, interim);
        setTimeout(() => raw.write(connection, `HTTP/1.1 ${final} Final\r\nContent-Length: 0\r\n\r\n`), 100);
      });
      expect(result).toMatchObject({ statusCode: final, body: "" });
      expect(result.errorKind).toBeUndefined();
      expect(wallMs).toBeLessThan(TIMEOUT_MS);
    });

    it.each([304, 404, 410, 429, 500, 503])("%i: that status, its body and headers", async (status) => {
      const body = status === 304 ? "" : `status ${status}`;
      const { result } = await sendTo((connection, raw) =>
        raw.write(connection, `HTTP/1.1 ${status} Whatever\r\nRetry-After: 7\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
      );
      expect(result).toMatchObject({ statusCode: status, body });
      expect(result.headers["retry-after"]).toBe("7");
      expect(result.errorKind).toBeUndefined();
    });
  });
});

describe("hostile receivers through the pipeline (createEvent → worker)", () => {
  let h: Harness;
  let workspace: { id: number };
  let eventCounter = 0;

  beforeAll(async () => {
    h = await createHarness({ worker: true, env: { DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS) } });
  });
  beforeEach(async () => {
    workspace = await h.createWorkspace();
  });
  afterAll(async () => {
    await h.close();
  });

  async function deliverOneEvent(location: string, name: string): Promise<string> {
    await h.post(`${EVENTS}/createWebhook`, { workspace_id: workspace.id, name, location, all_events: true }).expect(200);
    const uuid = `hostile-${Date.now()}-${++eventCounter}`;
    await h
      .post(`${EVENTS}/createEvent`, { event_uuid: uuid, event_type: "CREATE", workspace_id: workspace.id, resource_type: "MODEL_VERSION" })
      .expect(202);
    return uuid;
  }

  async function finalCall(uuid: string, what: string, timeoutMs = 20_000): Promise<Record<string, any>> {
    return waitFor(
      async () => {
        const response = await h.post(`${EVENTS}/findWebhookCall`, { event_uuids: [uuid], include_attempts: true });
        const [call] = response.body.calls as Array<Record<string, any>>;
        return call && (call.status === "SUCCESS" || call.status === "FAILURE") && call;
      },
      { timeoutMs, what },
    );
  }

  it("an endless 200 body: SUCCESS, exactly 4096 bytes stored, the receiver cut off", async () => {
    const server = await RawHttpServer.start((connection, raw) => {
      raw.write(connection, STATUS_OK_HEAD(`Content-Length: ${FOUR_GB}\r\n`));
      raw.pump(connection, Buffer.alloc(64 * 1024, "z"));
    });
    try {
      const uuid = await deliverOneEvent(server.url("/endless"), "endless");
      const call = await finalCall(uuid, "the endless call to finish");
      expect(call).toMatchObject({ status: "SUCCESS", attempts: 1, response: { status_code: 200 } });
      expect(call.attempt_history).toHaveLength(1);
      expect(call.attempt_history[0].body).toBe("z".repeat(BODY_LIMIT));
      const stored = await h.api.db.webhookCallAttempt.findFirstOrThrow({ where: { callId: call.id as number } });
      expect(Buffer.byteLength(stored.responseBody)).toBe(BODY_LIMIT);
      expect(server.connections).toHaveLength(1);
      await waitFor(() => server.connections[0]!.closedAt > 0, { timeoutMs: 2000, what: "the worker to drop the connection" });
      expect(server.connections[0]!.written).toBeLessThan(MAX_BYTES_WRITTEN);
    } finally {
      await server.close();
    }
  });

  it("a receiver that never answers: every attempt times out, FAILURE after DELIVERY_MAX_ATTEMPTS", async () => {
    const receiver = await Receiver.start();
    receiver.on("/silent", () => ({ hang: true }));
    try {
      const uuid = await deliverOneEvent(receiver.url("/silent"), "silent");
      const call = await finalCall(uuid, "the silent call to fail for good");
      const maxAttempts = h.config.DELIVERY_MAX_ATTEMPTS;
      expect(maxAttempts).toBe(4);
      expect(call).toMatchObject({ status: "FAILURE", attempts: maxAttempts, response: { status_code: 0 } });
      expect(call.attempt_history).toHaveLength(maxAttempts);
      for (const attempt of call.attempt_history as Array<Record<string, any>>) {
        expect(attempt).toMatchObject({ status_code: 0, body: "" });
        expect(attempt.error).toMatch(/timeout/i);
        expect(attempt.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
        expect(attempt.duration_ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      }
      // The webhook takes all events, so the announcement of this call's FAILURE may arrive too: count this event's attempts.
      const attemptsReceived = receiver.received("/silent").filter((request) => request.json?.event_uuid === uuid);
      expect(attemptsReceived).toHaveLength(maxAttempts);
    } finally {
      await receiver.close();
    }
  });

  it("a 200 whose body holds NUL bytes: SUCCESS on the first attempt, the body stored", async () => {
    // PostgreSQL text refuses U+0000: the body must be made storable, or the attempt is never
    // recorded and the call is re-sent forever (the outbox relay keeps recovering it).
    const receiver = await Receiver.start();
    receiver.on("/binary", () => ({ status: 200, body: "before\u0000after", headers: { "content-type": "application/octet-stream" } }));
    try {
      const uuid = await deliverOneEvent(receiver.url("/binary"), "binary");
      const call = await finalCall(uuid, "the binary-body call to finish", 8000);
      expect(call).toMatchObject({ status: "SUCCESS", attempts: 1, response: { status_code: 200 } });
      expect(call.response.body).toMatch(/^before.?after$/s);
      expect(receiver.received("/binary")).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
