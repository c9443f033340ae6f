// The pass-through part of the protocol taps (pg-tap.ts, redis-tap.ts): a loopback TCP proxy to one
// upstream that forwards every byte both ways and shows each connection's client bytes to a reader.
import net from "node:net";

/**
 * Reads what a client sent so far on one connection; returns the bytes it could not read yet (an
 * incomplete message), which come back with the next chunk.
 */
export type ClientReader = (pending: Buffer) => Buffer;

export class TcpTap {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** `readerFor` is called once per connection: a reader may keep state of its own (the protocol's start-up phase). */
  static async start(upstreamHost: string, upstreamPort: number, readerFor: () => ClientReader): Promise<TcpTap> {
    // Connections arrive only after listen() resolves, by which time `tap` is assigned.
    const server = net.createServer((client) => tap.accept(client, upstreamHost, upstreamPort, readerFor()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const tap = new TcpTap(server, (server.address() as net.AddressInfo).port);
    return tap;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: net.Socket, host: string, port: number, read: ClientReader): void {
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    let pending: Buffer = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      pending = read(pending.length ? Buffer.concat([pending, chunk]) : chunk);
    });
    client.on("end", () => upstream.end());
  }
}
