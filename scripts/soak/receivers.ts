// The soak's webhook receivers: real HTTP servers on loopback, one per webhook, each recording
// every request it gets (event uuid from `webhook-id`, time, what it answered).
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * ok: always 200. flaky: 500 at random (seeded), else 200. failing: always 500.
 * hanging: never answers (the worker gives up at DELIVERY_TIMEOUT_MS) until `recover()`, then 200.
 */
export type Behaviour = "ok" | "flaky" | "failing" | "hanging";

export interface Receipt {
  receiver: string;
  eventUuid: string;
  receivedAt: number;
  /** What the receiver answered; null when it hung. */
  status: number | null;
}

/** mulberry32: a small seeded generator, so a run's random failures can be replayed with --seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export class SoakReceiver {
  readonly receipts: Receipt[] = [];
  private recovered = false;
  private readonly server: http.Server;
  private port = 0;

  private constructor(
    readonly name: string,
    readonly behaviour: Behaviour,
    private readonly failureRate: number,
    private readonly random: () => number,
  ) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(name: string, behaviour: Behaviour, failureRate: number, random: () => number): Promise<SoakReceiver> {
    const receiver = new SoakReceiver(name, behaviour, failureRate, random);
    await new Promise<void>((resolve, reject) => {
      receiver.server.once("error", reject);
      receiver.server.listen(0, "127.0.0.1", resolve);
    });
    receiver.port = (receiver.server.address() as AddressInfo).port;
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/${this.name}`;
  }

  /** Whether this receiver eventually accepts every event it is sent (so every call should end SUCCESS). */
  get acceptsEventually(): boolean {
    return this.behaviour === "ok" || this.behaviour === "flaky";
  }

  /** The hanging receiver starts answering 200 (the end of an outage: its backlog must drain). */
  recover(): void {
    this.recovered = true;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(): number | null {
    switch (this.behaviour) {
      case "ok":
        return 200;
      case "flaky":
        return this.random() < this.failureRate ? 500 : 200;
      case "failing":
        return 500;
      case "hanging":
        return this.recovered ? 200 : null;
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume(); // the body is not needed: the event uuid is in webhook-id
    req.on("end", () => {
      const header = req.headers["webhook-id"];
      const status = this.answer();
      this.receipts.push({ receiver: this.name, eventUuid: typeof header === "string" ? header : "", receivedAt: Date.now(), status });
      if (status === null) return; // hang: the worker's timeout closes the connection
      res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "no");
    });
  }
}
