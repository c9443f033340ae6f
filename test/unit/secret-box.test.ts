import { randomBytes } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { SecretBox } from "../../packages/webhooks/src/secret-box.js";

const box = new SecretBox(randomBytes(32));

/** Flips one bit of one base64url part of a sealed value, keeping it well-formed. */
function tamper(sealed: string, partIndex: number): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[partIndex] ?? "", "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[partIndex] = bytes.toString("base64url");
  return parts.join(".");
}

describe("SecretBox (AES-256-GCM for mutual secrets at rest)", () => {
  it("opens what it sealed, including unicode and the empty string", () => {
    for (const secret of ["s3cr3t", "päss wörd 🔑", "", "x".repeat(1024)]) {
      expect(box.open(box.seal(secret))).toBe(secret);
    }
  });

  it("does not carry the plaintext, in clear or in base64, in the sealed value", () => {
    const secret = "very-recognisable-mutual-secret";
    const sealed = box.seal(secret);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(Buffer.from(secret).toString("base64url").slice(0, 12));
    expect(sealed).not.toContain(Buffer.from(secret).toString("base64").slice(0, 12));
  });

  it("uses a fresh IV each time: sealing twice gives different values that both open", () => {
    const first = box.seal("same");
    const second = box.seal("same");
    expect(first).not.toBe(second);
    expect(first.split(".")[1]).not.toBe(second.split(".")[1]);
    expect(box.open(first)).toBe("same");
    expect(box.open(second)).toBe("same");
  });

  it("refuses a tampered ciphertext, tag or IV", () => {
    const sealed = box.seal("do not touch");
    expect(() => box.open(tamper(sealed, 3))).toThrow();
    expect(() => box.open(tamper(sealed, 2))).toThrow();
    expect(() => box.open(tamper(sealed, 1))).toThrow();
  });

  it("refuses a malformed or unknown-version value", () => {
    const sealed = box.seal("x");
    expect(() => box.open(sealed.replace(/^v1\./, "v2."))).toThrow();
    expect(() => box.open("not sealed")).toThrow();
    expect(() => box.open(sealed.split(".").slice(0, 3).join("."))).toThrow();
  });

  it("refuses to open with another key", () => {
    const sealed = box.seal("keyed");
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
  });

  it("needs a 32-byte key", () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32-byte/);
    expect(() => new SecretBox(Buffer.alloc(0))).toThrow(/32-byte/);
  });
});
