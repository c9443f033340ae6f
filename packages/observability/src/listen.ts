import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The URL a person can open for what the server really bound (the wildcard spelled out). */
export function boundUrl(server: Server): string {
  const { address, port, family } = server.address() as AddressInfo;
  const host = family === "IPv6" ? `[${address}]` : address;
  return `http://${host}:${port}`;
}

/** Binds, or rejects with one sentence saying which address could not be bound and what to do about it. */
export function listen(server: Server, port: number, host: string, setting: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error & { code?: string }) => {
      server.off("listening", onListening);
      const why =
        error.code === "EADDRINUSE"
          ? "the address is already in use (another process listens there: stop it, or choose another port with"
          : error.code === "EACCES"
            ? "permission denied (ports below 1024 need privileges: choose another with"
            : error.code === "EADDRNOTAVAIL"
              ? "no interface of this machine has that address (check"
              : `${error.message} (check`;
      reject(new Error(`cannot listen on ${host}:${port}: ${why} ${setting})`));
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(boundUrl(server));
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
