import net from "node:net";

/** One accepted connection, once its request (head and Content-Length body) has arrived. */
export interface RawConnection {
  socket: net.Socket;
  /** Request line's target, e.g. "/hook". */
  path: string;
  request: string;
  /** Bytes this server handed to the socket (what the client could have been made to read). */
  written: number;
  /** When the socket closed (either side), 0 while open. */
  closedAt: number;
}

export type RawHandler = (connection: RawConnection, server: RawHttpServer) => void;

/**
 * A loopback HTTP "server" on raw sockets: the handler writes the answer byte for byte, so a test
 * can send what no well-behaved server would (half a status line, a 4 GB body, 1xx and silence).
 */
export class RawHttpServer {
  readonly connections: RawConnection[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: net.Server;
  private port = 0;

  private constructor(handler: RawHandler) {
    this.server = net.createServer((socket) => this.accept(socket, handler));
  }

  static async start(handler: RawHandler): Promise<RawHttpServer> {
    const server = new RawHttpServer(handler);
    await new Promise<void>((resolve) => server.server.listen(0, "127.0.0.1", resolve));
    server.port = (server.server.address() as net.AddressInfo).port;
    return server;
  }

  url(path = "/hook"): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  requested(path: string): RawConnection[] {
    return this.connections.filter((connection) => connection.path === path);
  }

  /** Writes and counts. */
  write(connection: RawConnection, data: string | Buffer): boolean {
    if (connection.socket.destroyed) return false;
    connection.written += Buffer.byteLength(data);
    return connection.socket.write(data);
  }

  /** Writes `data` one byte every `intervalMs` until done or the client hangs up. */
  trickle(connection: RawConnection, data: string, intervalMs: number): void {
    let index = 0;
    this.every(connection, intervalMs, () => (index < data.length ? data.charAt(index++) : undefined));
  }

  /** Writes `data` every `intervalMs` until the client hangs up. */
  repeat(connection: RawConnection, data: string, intervalMs: number): void {
    this.every(connection, intervalMs, () => data);
  }

  private every(connection: RawConnection, intervalMs: number, next: () => string | undefined): void {
    const timer = setInterval(() => {
      const data = connection.socket.destroyed ? undefined : next();
      if (data === undefined) {
        clearInterval(timer);
        this.timers.delete(timer);
        return;
      }
      this.write(connection, data);
    }, intervalMs);
    this.timers.add(timer);
  }

  /** Writes `chunk` forever, as fast as the client reads it (backpressure kept), until it hangs up. */
  pump(connection: RawConnection, chunk: Buffer | ((sent: number) => Buffer)): void {
    const next = typeof chunk === "function" ? chunk : () => chunk;
    const fill = () => {
      while (!connection.socket.destroyed) {
        if (!this.write(connection, next(connection.written))) {
          connection.socket.once("drain", fill);
          return;
        }
      }
    };
    fill();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket, handler: RawHandler) {
    this.sockets.add(socket);
    let received = Buffer.alloc(0);
    let connection: RawConnection | undefined;
    socket.on("error", () => undefined); // the client hanging up mid-write is the point of most tests
    socket.on("close", () => {
      this.sockets.delete(socket);
      if (connection) connection.closedAt = Date.now();
    });
    socket.on("data", (data: Buffer) => {
      if (connection) return; // one request per connection is all these tests send
      received = Buffer.concat([received, data]);
      const headEnd = received.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const head = received.subarray(0, headEnd).toString("latin1");
      const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
      if (received.length - headEnd - 4 < length) return;
      const path = head.split(" ")[1] ?? "/";
      connection = { socket, path, request: received.toString("utf8"), written: 0, closedAt: 0 };
      this.connections.push(connection);
      handler(connection, this);
    });
  }
}
