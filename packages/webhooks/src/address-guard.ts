import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/** Raised when a destination resolves to an address deliveries must never reach (SSRF guard). */
export class ForbiddenAddressError extends Error {
  readonly code = "EFORBIDDENADDRESS";
  constructor(
    readonly address: string,
    readonly reason = addressVerdict(address).reason ?? "refused",
  ) {
    super(
      `refused to connect to ${address} (${reason}): loopback, private, link-local, metadata and other special-purpose addresses are not allowed`,
    );
  }
}

export type AddressVerdict = { allowed: true; reason?: undefined } | { allowed: false; reason: string };

const ALLOWED: AddressVerdict = { allowed: true };
const refused = (reason: string): AddressVerdict => ({ allowed: false, reason });

// ipaddr.js's range() names the special-purpose ranges (IANA's registries and a few older ones);
// "unicast" is what it calls an address in none of them. The rule (docs/security.md, SSRF): only
// ordinary globally routable unicast is allowed, so every named range is refused, even those the
// registry calls globally reachable (anycast service addresses, AS112 sinks): no receiver lives there.

/** Forms whose last 32 bits are an IPv4 address the connection ends up at: judged by that IPv4. */
const CARRY_IPV4_IN_LAST_32_BITS = [
  ["::ffff:0:0/96", "IPv4-mapped"],
  ["::/96", "IPv4-compatible"],
  ["::ffff:0:0:0/96", "IPv4-translated"],
  ["64:ff9b::/96", "NAT64"],
].map(([cidr, name]) => ({ network: ipaddr.IPv6.parseCIDR(cidr as string), name: name as string }));

// 6to4 (2002::/16), Teredo (2001::/32) and local-use NAT64 (64:ff9b:1::/48) carry an IPv4 too, but
// elsewhere (bits 16-47; XOR-ed; split around the u octet): range() names them, so they are
// refused outright whatever they carry. None is globally reachable in the registry.

/** IANA's global unicast space; the rest of IPv6 is unassigned or special (ipaddr.js calls it "unicast"). */
const GLOBAL_UNICAST_IPV6 = ipaddr.IPv6.parseCIDR("2000::/3");

function ipv4Verdict(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  return range === "unicast" ? ALLOWED : refused(range);
}

function ipv6Verdict(address: ipaddr.IPv6): AddressVerdict {
  const range = address.range();
  if (range === "loopback" || range === "unspecified") return refused(range);
  const carrier = CARRY_IPV4_IN_LAST_32_BITS.find(({ network }) => address.match(network));
  if (carrier) {
    const bytes = address.toByteArray();
    const ipv4 = new ipaddr.IPv4(bytes.slice(12));
    const verdict = ipv4Verdict(ipv4);
    return verdict.allowed ? ALLOWED : refused(`${carrier.name} carrying ${ipv4.toString()}: ${verdict.reason}`);
  }
  if (range !== "unicast") return refused(range);
  return address.match(GLOBAL_UNICAST_IPV6) ? ALLOWED : refused("outside the global unicast space 2000::/3");
}

/**
 * Whether deliveries may connect to this IP address (brackets and an IPv6 zone index are
 * ignored). Anything that is not a plain IP literal is refused rather than guessed at.
 */
export function addressVerdict(rawAddress: string): AddressVerdict {
  const address = rawAddress.replace(/^\[|\]$/g, "").split("%")[0] ?? "";
  // node's parser first: ipaddr.js also reads legacy spellings (0177.0.0.1, 2130706433) as IPv4.
  const family = isIP(address);
  if (family === 4) return ipv4Verdict(ipaddr.IPv4.parse(address));
  if (family === 6) return ipv6Verdict(ipaddr.IPv6.parse(address));
  return refused("not an IP address");
}

export function isForbiddenAddress(rawAddress: string): boolean {
  return !addressVerdict(rawAddress).allowed;
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
    const forbidden = list.find((entry) => isForbiddenAddress(entry.address));
    if (forbidden) return callback(new ForbiddenAddressError(forbidden.address), options.all ? [] : "", undefined);
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", undefined);
    callback(null, first.address, first.family);
  });
}
