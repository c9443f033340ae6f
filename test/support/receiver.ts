import http from "node:http";
import { afterAll, beforeAll } from "@jest/globals";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Header names and values as they came off the wire, in order (names in the sender's case). */
  rawHeaders: string[];
  body: string;
  /** The body's bytes, undecoded. */
  rawBody: Buffer;
  json: any;
  receivedAt: number;
}

export interface Reply {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (the connection stays open until the client gives up). */
  hang?: boolean;
  delayMs?: number;
}

export type Responder = (request: ReceivedRequest, index: number) => Reply;

/** A real HTTP receiver on loopback that records what it gets and answers as told. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private responders = new Map<string, Responder>();
  private readonly open = new Map<string, number>();
  private readonly peakOpen = new Map<string, number>();
  private server = http.createServer((req, res) => this.handle(req, res));
  private port = 0;

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await receiver.listen();
    return receiver;
  }

  /** For a test file's top level: listening before the file's first test, closed after its last. */
  static forThisFile(): Receiver {
    const receiver = new Receiver();
    beforeAll(() => receiver.listen());
    afterAll(() => receiver.close());
    return receiver;
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path = "/hook"): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** How `path` answers; by default 200 "ok". */
  on(path: string, responder: Responder): this {
    this.responders.set(path, responder);
    return this;
  }

  /** Answers in turn, the last one repeating: e.g. [500, 500, 200]. */
  sequence(path: string, statuses: number[]): this {
    return this.on(path, (_request, index) => ({ status: statuses[Math.min(index, statuses.length - 1)] }));
  }

  /** The most requests to `path` that were open (received, not yet answered or dropped) at once. */
  maxConcurrent(path: string): number {
    return this.peakOpen.get(path) ?? 0;
  }

  received(path?: string): ReceivedRequest[] {
    return path ? this.requests.filter((request) => request.path === path) : this.requests;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    const openPath = req.url ?? "/";
    const nowOpen = (this.open.get(openPath) ?? 0) + 1;
    this.open.set(openPath, nowOpen);
    this.peakOpen.set(openPath, Math.max(nowOpen, this.peakOpen.get(openPath) ?? 0));
    res.on("close", () => this.open.set(openPath, (this.open.get(openPath) ?? 1) - 1));
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks);
      const body = rawBody.toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const path = req.url ?? "/";
      const request: ReceivedRequest = {
        path,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body,
        rawBody,
        json,
        receivedAt: Date.now(),
      };
      const index = this.requests.filter((seen) => seen.path === path).length;
      this.requests.push(request);
      const reply = this.responders.get(path)?.(request, index) ?? {};
      if (reply.hang) return;
      const send = () => res.writeHead(reply.status ?? 200, { "content-type": "text/plain", ...reply.headers }).end(reply.body ?? "ok");
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  }
}
