// A pass-through TCP proxy in front of PostgreSQL that counts what a client sends: every simple
// Query and every Sync (the end of an extended-protocol exchange) is one round trip; every Query
// and Execute is one statement, noted with its SQL. Used by the bench's census and by test/integration/round-trips.test.ts, never while measuring.
import { TcpTap } from "./tcp-tap.js";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export class PgTap {
  roundTrips = 0;
  statements: string[] = [];
  private readonly prepared = new Map<string, string>();
  private unnamed = "";
  private bound = "";
  private constructor(private readonly tcp: TcpTap) {}

  get port(): number {
    return this.tcp.port;
  }

  static async start(upstreamHost: string, upstreamPort: number): Promise<PgTap> {
    // Connections arrive only after start() resolves, by which time `tap` is assigned.
    const tcp = await TcpTap.start(upstreamHost, upstreamPort, () => tap.reader());
    const tap = new PgTap(tcp);
    return tap;
  }

  reset(): void {
    this.roundTrips = 0;
    this.statements = [];
  }

  close(): Promise<void> {
    return this.tcp.close();
  }

  /** Frontend messages: the start-up ones are untyped (length, code); the rest are (type, length). */
  private reader() {
    let startup = true;
    return (buffer: Buffer): Buffer => {
      let pending = buffer;
      for (;;) {
        if (startup) {
          if (pending.length < 8) break;
          const length = pending.readInt32BE(0);
          if (pending.length < length) break;
          const code = pending.readInt32BE(4);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5) break;
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) break;
        this.observe(String.fromCharCode(pending[0] as number), pending.subarray(5, 1 + length));
        pending = pending.subarray(1 + length);
      }
      return pending;
    };
  }

  private observe(type: string, payload: Buffer): void {
    if (type === "Q") {
      this.roundTrips += 1;
      this.statements.push(cString(payload, 0));
    } else if (type === "P") {
      const name = cString(payload, 0);
      const sql = cString(payload, Buffer.byteLength(name) + 1);
      if (name) this.prepared.set(name, sql);
      else this.unnamed = sql;
    } else if (type === "B") {
      const portal = cString(payload, 0);
      const name = cString(payload, Buffer.byteLength(portal) + 1);
      this.bound = name ? (this.prepared.get(name) ?? `(prepared ${name})`) : this.unnamed;
    } else if (type === "E") {
      this.statements.push(this.bound);
    } else if (type === "S") {
      this.roundTrips += 1;
    }
  }
}

function cString(buffer: Buffer, start: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString("utf8", start, end < 0 ? buffer.length : end);
}
