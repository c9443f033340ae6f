// The receiving end of the demo's webhooks: one path per role (pipeline, scanner), each with its
// own mutual secret. Every delivery is verified with the official standardwebhooks library before
// it is accepted; a forged or unsigned one is answered 401 and ends the demo.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { z } from "zod";
import { waitFor } from "../lib/wait-for.js";

const MAX_BODY_BYTES = 1024 * 1024;

const eventSchema = z.object({
  event_uuid: z.string(),
  event_type: z.string(),
  workspace_name: z.string(),
  webhook: z.object({ id: z.number(), name: z.string() }),
  new_entity: z
    .object({
      registered_model: z.object({ id: z.number(), name: z.string() }).optional(),
      model_version: z
        .object({ id: z.number(), version: z.string(), stage: z.string().optional(), promotion_status: z.string().nullable().optional() })
        .optional(),
      approved_by: z.object({ email: z.string() }).optional(),
      scan_request: z.object({ buildId: z.number(), imageUrl: z.string() }).optional(),
    })
    .nullable()
    .optional(),
});

export type DemoEvent = z.infer<typeof eventSchema>;

export interface Delivery {
  path: string;
  webhookId: string;
  attempt: string;
  event: DemoEvent;
}

export class DemoReceiver {
  private readonly deliveries: Delivery[] = [];
  private readonly taken = new Set<Delivery>();
  private readonly seen = new Set<string>();
  private failure: string | undefined;
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private port = 0;
  /** How many deliveries passed signature verification (duplicates included). */
  verified = 0;

  private constructor(private readonly secrets: ReadonlyMap<string, string>) {}

  /** `secrets`: path → the mutual secret of the webhook that delivers there. */
  static async start(secrets: ReadonlyMap<string, string>): Promise<DemoReceiver> {
    const receiver = new DemoReceiver(secrets);
    await new Promise<void>((resolve, reject) => {
      receiver.server.once("error", reject);
      receiver.server.listen(0, "127.0.0.1", resolve);
    });
    receiver.port = (receiver.server.address() as AddressInfo).port;
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The next verified delivery of `eventType` at `path`; bounded, and fails at once on a bad signature. */
  next(path: string, eventType: string, timeoutMs: number): Promise<Delivery> {
    return waitFor(
      () => {
        if (this.failure) throw new Error(this.failure);
        const delivery = this.deliveries.find(
          (candidate) => candidate.path === path && candidate.event.event_type === eventType && !this.taken.has(candidate),
        );
        if (delivery) this.taken.add(delivery);
        return delivery;
      },
      { what: `${eventType} at ${this.url(path)}`, timeoutMs, intervalMs: 200, onError: "fail" },
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      const path = req.url ?? "/";
      const secret = this.secrets.get(path);
      if (req.method !== "POST" || !secret) return void res.writeHead(404).end();
      const body = Buffer.concat(chunks).toString("utf8");
      const header = (name: string) => String(req.headers[name] ?? "");
      try {
        new Webhook(Buffer.from(secret, "utf8").toString("base64")).verify(body, {
          "webhook-id": header("webhook-id"),
          "webhook-timestamp": header("webhook-timestamp"),
          "webhook-signature": header("webhook-signature"),
        });
      } catch (error) {
        this.failure = `a delivery to ${path} (webhook-id ${header("webhook-id") || "missing"}) did not verify: ${(error as Error).message}`;
        return void res.writeHead(401, { "content-type": "text/plain" }).end("signature did not verify");
      }
      this.verified++;
      const parsed = eventSchema.safeParse(parseJson(body));
      if (!parsed.success) {
        this.failure = `a delivery to ${path} is not the documented event body: ${parsed.error.issues[0]?.message ?? "invalid"}`;
        return void res.writeHead(400, { "content-type": "text/plain" }).end("unexpected body");
      }
      // Delivery is at-least-once: a receiver dedupes on webhook-id (the event's uuid).
      const key = `${path} ${header("webhook-id")}`;
      if (!this.seen.has(key)) {
        this.seen.add(key);
        this.deliveries.push({ path, webhookId: header("webhook-id"), attempt: header("x-modelhooks-attempt"), event: parsed.data });
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
