import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "@jest/globals";

// Every instant is stored as a timestamptz (docs/decisions.md, "Time"): a plain timestamp means
// whatever the writing session's TimeZone was, and raw statements writing now() would disagree
// with Prisma's UTC convention on any server that is not set to UTC.
it("declares every DateTime column as @db.Timestamptz", () => {
  const schema = readFileSync(path.resolve(import.meta.dirname, "../../prisma/schema.prisma"), "utf8");
  const plain = schema
    .split("\n")
    .filter((line) => /^\s+\w+\s+DateTime\??(\s|$)/.test(line) && !line.includes("@db.Timestamptz"))
    .map((line) => line.trim());
  expect(plain).toEqual([]);
});
