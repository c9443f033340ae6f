import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";

/** Raised when a destination resolves to an address deliveries must never reach (SSRF guard). */
export class ForbiddenAddressError extends Error {
  readonly code = "EFORBIDDENADDRESS";
  constructor(readonly address: string) {
    super(`refused to connect to ${address}: loopback, private, link-local and metadata addresses are not allowed`);
  }
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this" network, unspecified
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b::", 96], // NAT64 reaches IPv4 space
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
  ["fd00:ec2::254", 128], // AWS metadata over IPv6
] as const) {
  blocked.addSubnet(network, prefix, "ipv6");
}

/** IPv4-mapped / -compatible IPv6 addresses are judged as the IPv4 address they carry. */
function embeddedIpv4(address: string): string | undefined {
  const match =
    /^(?:0{0,4}:){0,5}(?:ffff:)?((?:\d{1,3}\.){3}\d{1,3})$/i.exec(address) ?? /^::(?:ffff:)?((?:\d{1,3}\.){3}\d{1,3})$/i.exec(address);
  if (match?.[1]) return match[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

export function isForbiddenAddress(rawAddress: string): boolean {
  const address = rawAddress.replace(/^\[|\]$/g, "").split("%")[0] ?? "";
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    const ipv4 = embeddedIpv4(address);
    return ipv4 ? blocked.check(ipv4, "ipv4") : blocked.check(address, "ipv6");
  }
  return true; // not an IP address at all: refuse rather than guess
}

/**
 * Whether a URL's host is refused before any lookup: a forbidden IP literal, or a localhost
 * name. Other names are checked on the addresses they resolve to, at connect time.
 */
export function isForbiddenHost(hostname: string): boolean {
  const literal = literalAddress(hostname);
  if (literal) return isForbiddenAddress(literal);
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/** A host written as an IP literal in a URL (brackets stripped), or undefined for a name. */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, "");
  return isIP(bare) ? bare : undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A drop-in for dns.lookup used by the delivery agent: every address the name resolves to is
 * checked, and the connection is made only to checked addresses, so DNS rebinding cannot slip
 * a private address in between the check and the connect.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, options.all ? [] : "", undefined);
    const list = addresses;
    const refused = list.find((entry) => isForbiddenAddress(entry.address));
    if (refused) return callback(new ForbiddenAddressError(refused.address), options.all ? [] : "", undefined);
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", undefined);
    callback(null, first.address, first.family);
  });
}
