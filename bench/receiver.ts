import type { ChildProcess } from "node:child_process";
import { startProcess } from "../scripts/lib/local-services.js";

export interface Receipts {
  eventUuids: string[];
  callIds: number[];
  /** Date.now() when each request arrived. */
  times: number[];
}

export interface SampleRequest {
  headers: Record<string, string>;
  body: string;
}

export interface ReceiverCounts {
  /** Every request, deliveries and direct POSTs alike. */
  requests: number;
  /** Deliveries, counted once per call (a redelivery is not counted twice). */
  distinctCalls: number;
}

export type ReceiverCommand =
  | { id: number; op: "configure"; delayMs: number }
  | { id: number; op: "reset" }
  | { id: number; op: "count" }
  | { id: number; op: "collect" }
  | { id: number; op: "sample" };

export interface ReceiverReply {
  id: number;
  result: ReceiverCounts | Receipts | SampleRequest | null;
}

/** A command as the parent writes it; the id is added on sending. */
type Unsent<C> = C extends unknown ? Omit<C, "id"> : never;

/** The parent's side of receiver-process.ts: start it, steer it over IPC, stop it. */
export class Receiver {
  private nextId = 0;
  private readonly pending = new Map<number, (result: ReceiverReply["result"]) => void>();

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on("message", (message: ReceiverReply) => {
      this.pending.get(message.id)?.(message.result);
      this.pending.delete(message.id);
    });
  }

  static async start(): Promise<Receiver> {
    const receiver = startProcess("bench/receiver-process.ts", {}, { label: "receiver", ipc: true });
    const { child } = receiver;
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the receiver did not start within 20 s")), 20_000);
      child.once("message", (message: { ready?: number }) => {
        clearTimeout(timer);
        if (typeof message.ready === "number") resolve(message.ready);
        else reject(new Error("unexpected first message from the receiver"));
      });
      child.once("exit", (code) => reject(new Error(`the receiver exited with ${code}:\n${receiver.output()}`)));
    });
    return new Receiver(child, port);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  configure(delayMs: number): Promise<void> {
    return this.command({ op: "configure", delayMs }).then(() => undefined);
  }

  reset(): Promise<void> {
    return this.command({ op: "reset" }).then(() => undefined);
  }

  async counts(): Promise<ReceiverCounts> {
    return (await this.command({ op: "count" })) as ReceiverCounts;
  }

  async receipts(): Promise<Receipts> {
    return (await this.command({ op: "collect" })) as Receipts;
  }

  /** The first delivery received since start: headers and body, as a direct loop replays them. */
  async sample(): Promise<SampleRequest | undefined> {
    return ((await this.command({ op: "sample" })) as SampleRequest | null) ?? undefined;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }

  private command(command: Unsent<ReceiverCommand>): Promise<ReceiverReply["result"]> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the receiver did not answer "${command.op}" within 10 s`));
      }, 10_000);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      this.child.send({ ...command, id });
    });
  }
}
