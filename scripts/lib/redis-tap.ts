// A pass-through TCP proxy in front of Redis that counts the commands a client sends (each RESP
// array is one command, whether alone, pipelined or inside MULTI) and names them: the command, and
// for a script (EVALSHA/EVAL, which is how bullmq works) its first key without the prefix, so
// "EVALSHA deliveries:wait" reads as a job added to the deliveries queue. Used by the bench's census and by
// test/integration/round-trips.test.ts, never while measuring.
import { TcpTap } from "./tcp-tap.js";

export class RedisTap {
  commands: string[] = [];

  private constructor(
    private readonly tcp: TcpTap,
    private readonly keyPrefix: string,
  ) {}

  get port(): number {
    return this.tcp.port;
  }

  /** `keyPrefix` (the QUEUE_PREFIX) is cut from script keys in the names. */
  static async start(upstreamHost: string, upstreamPort: number, keyPrefix = ""): Promise<RedisTap> {
    // Connections arrive only after start() resolves, by which time `tap` is assigned.
    const tcp = await TcpTap.start(upstreamHost, upstreamPort, () => (pending) => tap.read(pending));
    const tap = new RedisTap(tcp, keyPrefix);
    return tap;
  }

  get count(): number {
    return this.commands.length;
  }

  reset(): void {
    this.commands = [];
  }

  /** How many times each command name was sent, most frequent first. */
  tally(): Array<[string, number]> {
    const counts = new Map<string, number>();
    for (const name of this.commands) counts.set(name, (counts.get(name) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]);
  }

  url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return this.tcp.close();
  }

  /** Each complete RESP array is one command; an incomplete one waits for the next chunk. */
  private read(buffer: Buffer): Buffer {
    let pending = buffer;
    for (;;) {
      const parsed = parseCommand(pending);
      if (!parsed) return pending;
      this.commands.push(this.nameOf(parsed.args));
      pending = pending.subarray(parsed.length);
    }
  }

  private nameOf(args: string[]): string {
    const command = (args[0] ?? "").toUpperCase();
    if ((command === "EVALSHA" || command === "EVAL") && Number(args[2]) > 0) {
      const key = args[3] ?? "";
      return `${command} ${key.startsWith(`${this.keyPrefix}:`) ? key.slice(this.keyPrefix.length + 1) : key}`;
    }
    return command;
  }
}

/** One RESP array of bulk strings at the start of `buffer` (its arguments and byte length), or undefined if incomplete. */
function parseCommand(buffer: Buffer): { args: string[]; length: number } | undefined {
  if (buffer.length === 0) return undefined;
  let offset = 0;
  const line = (): string | undefined => {
    const end = buffer.indexOf("\r\n", offset);
    if (end < 0) return undefined;
    const text = buffer.toString("latin1", offset, end);
    offset = end + 2;
    return text;
  };
  const header = line();
  if (header === undefined) return undefined;
  // An inline command (a plain line), which ioredis never sends but redis-cli does.
  if (!header.startsWith("*")) return { args: header.split(" "), length: offset };
  const count = Number(header.slice(1));
  const args: string[] = [];
  for (let index = 0; index < count; index++) {
    const size = line();
    if (size === undefined || !size.startsWith("$")) return undefined;
    const bytes = Number(size.slice(1));
    if (buffer.length < offset + bytes + 2) return undefined;
    // Only the first few arguments are ever looked at: the rest are skipped, not decoded.
    args.push(index < 4 ? buffer.toString("utf8", offset, offset + Math.min(bytes, 200)) : "");
    offset += bytes + 2;
  }
  return { args, length: offset };
}
