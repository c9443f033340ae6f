import { describe, expect, it } from "@jest/globals";
import { isForbiddenAddress, literalAddress } from "../../packages/webhooks/src/address-guard.js";

const REFUSED = [
  "127.0.0.1",
  "127.255.255.254",
  "10.0.0.1",
  "10.255.255.255",
  "172.16.0.1",
  "172.20.10.5",
  "172.31.255.255",
  "192.168.0.1",
  "192.168.255.255",
  "169.254.169.254", // cloud metadata
  "100.64.0.1", // CGNAT
  "0.0.0.0",
  "224.0.0.1",
  "::1",
  "::",
  "fe80::1",
  "fc00::1",
  "fd00:ec2::254", // AWS metadata over IPv6
  "::ffff:127.0.0.1",
  "::ffff:7f00:1",
  "::ffff:10.0.0.1",
  "::ffff:a9fe:a9fe", // 169.254.169.254, mapped, in hex
  "[::1]",
  "fe80::1%eth0",
];

const ALLOWED = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "172.15.255.255", "172.32.0.1", "100.63.255.255", "::ffff:8.8.8.8"];

describe("isForbiddenAddress (SSRF guard; pure, sends nothing)", () => {
  it.each(REFUSED)("refuses %s", (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(ALLOWED)("allows %s", (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });

  it("refuses anything that is not an IP address rather than guess", () => {
    for (const value of ["localhost", "example.com", "", "999.1.1.1", "1.2.3"]) {
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
