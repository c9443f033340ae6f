import { describe, expect, it } from "@jest/globals";
import ipaddr from "ipaddr.js";
import { addressVerdict, isForbiddenAddress, literalAddress } from "../../packages/webhooks/src/address-guard.js";

// One row per entry of IANA's IPv4 and IPv6 Special-Purpose Address Registries, with an address
// inside it, what the registry says of it ("globally reachable": true, false, or n/a where the
// registry gives none), and our verdict. The rule (docs/security.md): only ordinary globally
// routable unicast is allowed, so even the entries the registry calls globally reachable
// (anycast service addresses, AS112 sinks, identifier prefixes) are refused: no webhook receiver
// lives there. Forms carrying an IPv4 address in their last 32 bits are judged by that IPv4.
type Reachable = true | false | "n/a";
interface RegistryRow {
  block: string;
  name: string;
  sample: string;
  reachable: Reachable;
  allowed: boolean;
}

const IPV4_REGISTRY: RegistryRow[] = [
  { block: "0.0.0.0/8", name: '"This network"', sample: "0.1.2.3", reachable: false, allowed: false },
  { block: "0.0.0.0/32", name: '"This host on this network"', sample: "0.0.0.0", reachable: false, allowed: false },
  { block: "10.0.0.0/8", name: "Private-Use", sample: "10.20.30.40", reachable: false, allowed: false },
  { block: "100.64.0.0/10", name: "Shared Address Space (CGNAT)", sample: "100.127.255.254", reachable: false, allowed: false },
  { block: "127.0.0.0/8", name: "Loopback", sample: "127.1.2.3", reachable: false, allowed: false },
  { block: "169.254.0.0/16", name: "Link Local (cloud metadata)", sample: "169.254.169.254", reachable: false, allowed: false },
  { block: "172.16.0.0/12", name: "Private-Use", sample: "172.31.0.1", reachable: false, allowed: false },
  { block: "192.0.0.0/24", name: "IETF Protocol Assignments", sample: "192.0.0.100", reachable: false, allowed: false },
  { block: "192.0.0.0/29", name: "IPv4 Service Continuity Prefix", sample: "192.0.0.1", reachable: false, allowed: false },
  { block: "192.0.0.8/32", name: "IPv4 dummy address", sample: "192.0.0.8", reachable: false, allowed: false },
  { block: "192.0.0.9/32", name: "Port Control Protocol Anycast", sample: "192.0.0.9", reachable: true, allowed: false },
  { block: "192.0.0.10/32", name: "Traversal Using Relays around NAT Anycast", sample: "192.0.0.10", reachable: true, allowed: false },
  { block: "192.0.0.170/32", name: "NAT64/DNS64 Discovery", sample: "192.0.0.170", reachable: false, allowed: false },
  { block: "192.0.0.171/32", name: "NAT64/DNS64 Discovery", sample: "192.0.0.171", reachable: false, allowed: false },
  { block: "192.0.2.0/24", name: "Documentation (TEST-NET-1)", sample: "192.0.2.1", reachable: false, allowed: false },
  { block: "192.31.196.0/24", name: "AS112-v4", sample: "192.31.196.1", reachable: true, allowed: false },
  { block: "192.52.193.0/24", name: "AMT", sample: "192.52.193.1", reachable: true, allowed: false },
  { block: "192.88.99.0/24", name: "Deprecated (6to4 Relay Anycast)", sample: "192.88.99.1", reachable: "n/a", allowed: false },
  { block: "192.88.99.2/32", name: "6a44-relay anycast address", sample: "192.88.99.2", reachable: false, allowed: false },
  { block: "192.168.0.0/16", name: "Private-Use", sample: "192.168.1.1", reachable: false, allowed: false },
  { block: "192.175.48.0/24", name: "Direct Delegation AS112 Service", sample: "192.175.48.1", reachable: true, allowed: false },
  { block: "198.18.0.0/15", name: "Benchmarking", sample: "198.19.255.1", reachable: false, allowed: false },
  { block: "198.51.100.0/24", name: "Documentation (TEST-NET-2)", sample: "198.51.100.7", reachable: false, allowed: false },
  { block: "203.0.113.0/24", name: "Documentation (TEST-NET-3)", sample: "203.0.113.9", reachable: false, allowed: false },
  { block: "240.0.0.0/4", name: "Reserved", sample: "250.1.2.3", reachable: false, allowed: false },
  { block: "255.255.255.255/32", name: "Limited Broadcast", sample: "255.255.255.255", reachable: false, allowed: false },
];

const IPV6_REGISTRY: RegistryRow[] = [
  { block: "::1/128", name: "Loopback Address", sample: "::1", reachable: false, allowed: false },
  { block: "::/128", name: "Unspecified Address", sample: "::", reachable: false, allowed: false },
  { block: "::ffff:0:0/96", name: "IPv4-mapped Address, carrying 127.0.0.1", sample: "::ffff:7f00:1", reachable: false, allowed: false },
  { block: "::ffff:0:0/96", name: "IPv4-mapped Address, carrying 8.8.8.8", sample: "::ffff:8.8.8.8", reachable: false, allowed: true },
  {
    block: "64:ff9b::/96",
    name: "IPv4-IPv6 Translat. (NAT64), carrying 127.0.0.1",
    sample: "64:ff9b::7f00:1",
    reachable: true,
    allowed: false,
  },
  {
    block: "64:ff9b::/96",
    name: "IPv4-IPv6 Translat. (NAT64), carrying 10.0.0.1",
    sample: "64:ff9b::a00:1",
    reachable: true,
    allowed: false,
  },
  {
    block: "64:ff9b::/96",
    name: "IPv4-IPv6 Translat. (NAT64), carrying 8.8.8.8",
    sample: "64:ff9b::808:808",
    reachable: true,
    allowed: true,
  },
  {
    block: "64:ff9b:1::/48",
    name: "IPv4-IPv6 Translat. (local use), carrying 127.0.0.1",
    sample: "64:ff9b:1:7f00:0:100::",
    reachable: false,
    allowed: false,
  },
  {
    block: "64:ff9b:1::/48",
    name: "IPv4-IPv6 Translat. (local use), carrying 8.8.8.8",
    sample: "64:ff9b:1:808:8:800::",
    reachable: false,
    allowed: false,
  },
  { block: "100::/64", name: "Discard-Only Address Block", sample: "100::1", reachable: false, allowed: false },
  { block: "100:0:0:1::/64", name: "Dummy IPv6 Prefix", sample: "100:0:0:1::1", reachable: false, allowed: false },
  { block: "2001::/23", name: "IETF Protocol Assignments", sample: "2001:1::4", reachable: false, allowed: false },
  // Teredo: the client's IPv4 is the last 32 bits XOR-ed (0x80fffffe → 127.0.0.1, 0xf7f7f7f7 → 8.8.8.8).
  {
    block: "2001::/32",
    name: "TEREDO, client 127.0.0.1",
    sample: "2001:0:4136:e378:8000:63bf:80ff:fffe",
    reachable: "n/a",
    allowed: false,
  },
  { block: "2001::/32", name: "TEREDO, client 8.8.8.8", sample: "2001:0:4136:e378:8000:63bf:f7f7:f7f7", reachable: "n/a", allowed: false },
  { block: "2001:1::1/128", name: "Port Control Protocol Anycast", sample: "2001:1::1", reachable: true, allowed: false },
  { block: "2001:1::2/128", name: "Traversal Using Relays around NAT Anycast", sample: "2001:1::2", reachable: true, allowed: false },
  { block: "2001:1::3/128", name: "DNS-SD Service Registration Protocol Anycast", sample: "2001:1::3", reachable: true, allowed: false },
  { block: "2001:2::/48", name: "Benchmarking", sample: "2001:2::1", reachable: false, allowed: false },
  { block: "2001:3::/32", name: "AMT", sample: "2001:3::1", reachable: true, allowed: false },
  { block: "2001:4:112::/48", name: "AS112-v6", sample: "2001:4:112::1", reachable: true, allowed: false },
  { block: "2001:10::/28", name: "Deprecated (previously ORCHID)", sample: "2001:10::1", reachable: "n/a", allowed: false },
  { block: "2001:20::/28", name: "ORCHIDv2", sample: "2001:20::1", reachable: true, allowed: false },
  {
    block: "2001:30::/28",
    name: "Drone Remote ID Protocol Entity Tags (DETs) Prefix",
    sample: "2001:30::1",
    reachable: true,
    allowed: false,
  },
  { block: "2001:db8::/32", name: "Documentation", sample: "2001:db8::1", reachable: false, allowed: false },
  { block: "2002::/16", name: "6to4, carrying 127.0.0.1", sample: "2002:7f00:1::", reachable: "n/a", allowed: false },
  { block: "2002::/16", name: "6to4, carrying 8.8.8.8", sample: "2002:808:808::1", reachable: "n/a", allowed: false },
  { block: "2620:4f:8000::/48", name: "Direct Delegation AS112 Service", sample: "2620:4f:8000::1", reachable: true, allowed: false },
  { block: "3fff::/20", name: "Documentation", sample: "3fff::1", reachable: false, allowed: false },
  { block: "5f00::/16", name: "Segment Routing (SRv6) SIDs", sample: "5f00::1", reachable: false, allowed: false },
  { block: "fc00::/7", name: "Unique-Local (incl. AWS metadata fd00:ec2::254)", sample: "fd00:ec2::254", reachable: false, allowed: false },
  { block: "fe80::/10", name: "Link-Local Unicast", sample: "fe80::1", reachable: false, allowed: false },
];

// Not in the special-purpose registries, but not globally routable unicast either.
const OTHER_SPECIAL: RegistryRow[] = [
  { block: "224.0.0.0/4", name: "IPv4 multicast", sample: "224.0.0.251", reachable: "n/a", allowed: false },
  { block: "ff00::/8", name: "IPv6 multicast", sample: "ff02::1", reachable: "n/a", allowed: false },
  { block: "fec0::/10", name: "site-local (deprecated)", sample: "fec0::1", reachable: "n/a", allowed: false },
  { block: "::/96", name: "IPv4-compatible (deprecated), carrying 127.0.0.1", sample: "::7f00:1", reachable: "n/a", allowed: false },
  {
    block: "::/96",
    name: "IPv4-compatible (deprecated), carrying 169.254.169.254",
    sample: "::a9fe:a9fe",
    reachable: "n/a",
    allowed: false,
  },
  { block: "::/96", name: "IPv4-compatible (deprecated), carrying 8.8.8.8", sample: "::808:808", reachable: "n/a", allowed: true },
  { block: "::ffff:0:0:0/96", name: "IPv4-translated, carrying 127.0.0.1", sample: "::ffff:0:7f00:1", reachable: "n/a", allowed: false },
  { block: "::ffff:0:0:0/96", name: "IPv4-translated, carrying 8.8.8.8", sample: "::ffff:0:808:808", reachable: "n/a", allowed: true },
  { block: "4000::/2", name: "IPv6 outside the global unicast space 2000::/3", sample: "4000::1", reachable: "n/a", allowed: false },
];

const GLOBAL_UNICAST = [
  "8.8.8.8",
  "1.1.1.1",
  "172.15.255.255",
  "172.32.0.1",
  "100.63.255.255",
  "192.0.1.1",
  "2606:4700:4700::1111",
  "2a00:1450:4001::1",
];

describe("addressVerdict over the special-purpose registries (SSRF guard; pure, sends nothing)", () => {
  const rows = [...IPV4_REGISTRY, ...IPV6_REGISTRY, ...OTHER_SPECIAL];

  it("every sample lies inside its block", () => {
    const outside = rows.filter(({ block, sample }) => !ipaddr.parse(sample).match(ipaddr.parseCIDR(block)));
    expect(outside).toEqual([]);
  });

  it.each(rows)("$block $name ($sample, globally reachable: $reachable) → allowed: $allowed", ({ sample, allowed }) => {
    const verdict = addressVerdict(sample);
    expect(verdict.allowed).toBe(allowed);
    expect(isForbiddenAddress(sample)).toBe(!allowed);
    // The same address in brackets, as a URL host carries it.
    if (sample.includes(":")) expect(isForbiddenAddress(`[${sample}]`)).toBe(!allowed);
  });

  it.each(GLOBAL_UNICAST)("allows the global unicast address %s", (address) => {
    expect(addressVerdict(address)).toEqual({ allowed: true });
  });

  it("names what it refused, including the IPv4 a transition form carries", () => {
    expect(addressVerdict("::7f00:1")).toMatchObject({ allowed: false, reason: expect.stringMatching(/127\.0\.0\.1.*loopback/) });
    expect(addressVerdict("2002:7f00:1::")).toMatchObject({ allowed: false, reason: expect.stringMatching(/6to4/) });
  });

  it("judges an IPv4-carrying form the same however it is spelled", () => {
    for (const spelling of ["::ffff:127.0.0.1", "::ffff:7f00:1", "0:0:0:0:0:ffff:7f00:1", "::127.0.0.1", "::7f00:1", "[::ffff:7f00:1]"]) {
      expect({ spelling, forbidden: isForbiddenAddress(spelling) }).toEqual({ spelling, forbidden: true });
    }
    for (const spelling of ["::ffff:8.8.8.8", "::ffff:808:808", "::8.8.8.8", "::808:808"]) {
      expect({ spelling, forbidden: isForbiddenAddress(spelling) }).toEqual({ spelling, forbidden: false });
    }
  });

  it("ignores an IPv6 zone index", () => {
    expect(isForbiddenAddress("fe80::1%eth0")).toBe(true);
  });

  it("refuses anything that is not an IP address rather than guess", () => {
    for (const value of ["localhost", "example.com", "", "999.1.1.1", "1.2.3", "0177.0.0.1", "2130706433"]) {
      expect(isForbiddenAddress(value)).toBe(true);
    }
  });
});

describe("literalAddress", () => {
  it("returns the bare IP of a literal host and undefined for a name", () => {
    expect(literalAddress("127.0.0.1")).toBe("127.0.0.1");
    expect(literalAddress("[::1]")).toBe("::1");
    expect(literalAddress("example.com")).toBeUndefined();
  });
});
