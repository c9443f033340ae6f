import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc, { type JsonValue } from "fast-check";
import { fullSnapshot } from "../support/db-snapshot.js";
import { ADMIN, createHarness, type Harness } from "../support/harness.js";
import { createRouteFixture, ROUTE_INPUTS, sendAs, tableRoutes, type RouteFixture } from "../support/route-inputs.js";

// Bad input of any kind answers 4xx and writes nothing; no answer is ever a 5xx.
// Property-based: random JSON, random bytes and mutations of each write route's valid body (and
// of its path parameters) thrown at every write route of the route table, as the system admin so
// that authorization is not what stops them. After a 4xx, every table (rows, latest updated_at,
// a hash of its content) and every queue's job counts must be as they were. fast-check prints the
// seed and the shrunk counterexample when a run fails.

const RUNS_PER_ROUTE = 30;

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

// ---------------------------------------------------------------------------------------------
// Values

/**
 * A placeholder for JSON text spliced in as is: numbers JSON.stringify cannot write (1e400, -0),
 * and deep nesting, which is built as text because a deep object would overflow the test's own stack.
 */
const RAW = "\u{10FFFF}raw:";
const raw = (text: string) => `${RAW}${Buffer.from(text).toString("base64")}`;
const rawLiteral = fc
  .constantFrom("1e400", "-1e400", "123456789012345678901234567890", "1.0000000000000001", "-0", "0e0", "2147483647.5")
  .map(raw);

const awkwardValues = fc.constantFrom<JsonValue>(
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2147483647,
  2147483648,
  4294967296,
  Number.MAX_SAFE_INTEGER,
  "",
  " ",
  "0",
  "-1",
  "01",
  "1e3",
  "0x1F",
  "1.0",
  "+1",
  "2147483648",
  "99999999999999999999",
  "NaN",
  "Infinity",
  "null",
  "true",
  "[]",
  "{}",
  "\u0000",
  "a\u0000b",
  // JSON text whose value is a NUL once parsed (redirect_metadata is JSON text).
  '{"url": "https://example.com/\\u0000"}',
  "\uD800",
  "x\uDFFF",
  "😀",
  "\u202Eevil",
  "ｗｓ１",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "../../etc/passwd",
  "https://user:pass@example.com/",
  "http://169.254.169.254/latest/meta-data",
  "file:///etc/passwd",
  // Header values and names (a webhook's custom headers): the mask, a split line, ours.
  "••••",
  "x\r\nX-Injected: 1",
  "Content-Length",
  "webhook-signature",
  [],
  {},
  [[]],
  { "": null },
);

const hugeString = fc
  .tuple(fc.integer({ min: 5_000, max: 1_200_000 }), fc.constantFrom("x", "é", "😀", "\u0000", "\\"))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

/**
 * Values that pass validation but may not fit the state: ids that exist or not, names already
 * taken, other enum members. They carry the fuzzer past the schemas into the handlers' own
 * refusals (404, 409), which read the database before they refuse.
 */
function plausibleValue(fx: RouteFixture): fc.Arbitrary<JsonValue> {
  return fc.oneof(
    fc.constantFrom<JsonValue>(
      fx.workspace.id,
      fx.workspace.name,
      fx.modelName,
      `hook-a-${fx.unique}`,
      fx.eventUuid,
      fx.webhookId,
      fx.callId,
      fx.modelId,
      fx.versionId,
      fx.transitionId,
      fx.ownTransitionId,
      fx.buildId,
      fx.member.email,
      "1",
      "PRODUCTION",
      "ARCHIVED",
      "UNASSIGNED",
      "DISABLED",
      "COMPLETE",
      "FAILED",
      "PROMOTE",
      "REQUEST_SCAN",
      "BUILD",
      "unsafe",
      "SCAN_EVENTS",
      "https://example.com/other",
    ),
    fc.integer({ min: 1, max: 80 }),
    fc.integer({ min: 1, max: 80 }).map(String),
    fc.boolean(),
  );
}

/** The values a mutation puts in place of a field: wrong types, numeric strings, ids out of range, unicode, huge. */
function awkwardValue(fx: RouteFixture): fc.Arbitrary<JsonValue> {
  return fc.oneof(
    { weight: 5, arbitrary: awkwardValues },
    { weight: 4, arbitrary: plausibleValue(fx) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.integer().map(String) },
    { weight: 1, arbitrary: fc.integer({ min: -(2 ** 53), max: 2 ** 53 }) },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
    { weight: 1, arbitrary: hugeString },
    { weight: 1, arbitrary: rawLiteral },
  );
}

const awkwardKey = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "id",
    "workspace_id",
    "",
    " ",
    "\u0000",
    "a.b",
    "$where",
    "Host",
    "X-Modelhooks-Attempt",
    "bad name",
  ),
);

// ---------------------------------------------------------------------------------------------
// Mutations of a valid body

type Path = (string | number)[];
type Mutation =
  | { kind: "drop"; at: number }
  | { kind: "replace"; at: number; value: JsonValue }
  | { kind: "add"; at: number; key: string; value: JsonValue }
  | { kind: "wrap"; at: number; inObject: boolean }
  | { kind: "nest"; at: number; depth: number };

function mutation(fx: RouteFixture): fc.Arbitrary<Mutation> {
  const value = awkwardValue(fx);
  return fc.oneof(
    fc.record({ kind: fc.constant<"drop">("drop"), at: fc.nat() }),
    fc.record({ kind: fc.constant<"replace">("replace"), at: fc.nat(), value }),
    fc.record({ kind: fc.constant<"add">("add"), at: fc.nat(), key: awkwardKey, value }),
    fc.record({ kind: fc.constant<"wrap">("wrap"), at: fc.nat(), inObject: fc.boolean() }),
    fc.record({ kind: fc.constant<"nest">("nest"), at: fc.nat(), depth: fc.integer({ min: 2, max: 20_000 }) }),
  );
}

const isObject = (value: unknown): value is Record<string, JsonValue> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The paths into a value (not the root), down to a few levels: deeper ones are nested filler. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (prefix.length >= 6) return [];
  const children: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : isObject(value)
      ? Object.entries(value)
      : [];
  return children.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

function get(root: JsonValue, path: Path): JsonValue | undefined {
  let value: JsonValue | undefined = root;
  for (const key of path)
    value = value === null || typeof value !== "object" ? undefined : (value as Record<string | number, JsonValue>)[key];
  return value;
}

/** Sets an own property, even "__proto__", so that JSON.stringify writes it. */
function setOwn(target: JsonValue, key: string | number, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `{"n":[{"n":[ … value … ]}]}`, depth levels deep, as JSON text. */
function nestDeep(value: JsonValue | undefined, depth: number): JsonValue {
  const pairs = Math.ceil(depth / 2);
  return raw(`${'{"n":['.repeat(pairs)}${toJsonText(value ?? null) ?? "null"}${"]}".repeat(pairs)}`);
}

/** Replaces the value at a path (the root when the path is empty). */
function replaceAt(root: JsonValue, path: Path, make: (current: JsonValue | undefined) => JsonValue): JsonValue {
  const last = path.at(-1);
  if (last === undefined) return make(root);
  const parent = get(root, path.slice(0, -1));
  if (parent !== null && typeof parent === "object") setOwn(parent, last, make(get(root, path)));
  return root;
}

function applyMutation(root: JsonValue, change: Mutation): JsonValue {
  const paths = pathsOf(root);
  const pick = (candidates: Path[]) => candidates[change.at % candidates.length] ?? [];
  switch (change.kind) {
    case "drop": {
      const path = pick(paths);
      const last = path.at(-1);
      const parent = get(root, path.slice(0, -1));
      if (last === undefined || parent === null || typeof parent !== "object") return root;
      if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
      else delete (parent as Record<string, JsonValue>)[last];
      return root;
    }
    // Copies of the generated values: fast-check reuses them across runs while shrinking, and a
    // later mutation of the same request may write into them (a cycle, or growth without end).
    case "replace":
      return replaceAt(root, pick([[], ...paths]), () => structuredClone(change.value));
    case "add": {
      const path = pick([[], ...paths].filter((candidate) => isObject(get(root, candidate))));
      const target = get(root, path);
      if (isObject(target)) setOwn(target, change.key, structuredClone(change.value));
      return root;
    }
    case "wrap":
      return replaceAt(root, pick([[], ...paths]), (current) => (change.inObject ? { value: current ?? null } : [current ?? null]));
    case "nest":
      return replaceAt(root, pick([[], ...paths]), (current) => nestDeep(current, change.depth));
  }
}

/**
 * JSON text, with the RAW placeholders spliced in. A scan rather than a regular expression: a
 * placeholder can hold megabytes of base64, beyond what a backtracking `[…]*` match can take.
 */
function toJsonText(value: unknown): string | undefined {
  const text = JSON.stringify(value);
  if (text === undefined) return undefined;
  const opening = `"${RAW}`;
  const parts: string[] = [];
  let from = 0;
  for (let start = text.indexOf(opening); start !== -1; start = text.indexOf(opening, from)) {
    const end = text.indexOf('"', start + opening.length); // base64 holds no quote
    parts.push(text.slice(from, start), Buffer.from(text.slice(start + opening.length, end), "base64").toString());
    from = end + 1;
  }
  parts.push(text.slice(from));
  return parts.join("");
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Payload {
  /** What the body is, for the counterexample. */
  kind: string;
  body: string | Buffer | undefined;
}

const shorten = (text: string, length = 300) => (text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text);

/** A payload that prints short in fast-check's counterexamples (bodies can be a megabyte). */
const makePayload = (kind: string, body: string | Buffer | undefined): Payload & fc.WithToStringMethod => ({
  kind,
  body,
  [fc.toStringMethod]: () =>
    `${kind}: ${body === undefined ? "(none)" : Buffer.isBuffer(body) ? `<bytes ${body.toString("hex")}>` : JSON.stringify(shorten(body))}`,
});

function bodyArbitrary(valid: Record<string, unknown>, fx: RouteFixture): fc.Arbitrary<Payload> {
  const validText = JSON.stringify(valid);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(mutation(fx), { minLength: 1, maxLength: 3 })
        .map((changes) =>
          makePayload(
            `mutated (${changes.map((change) => change.kind).join(", ")})`,
            toJsonText(changes.reduce(applyMutation, structuredClone(valid) as JsonValue)),
          ),
        ),
    },
    {
      // One plausible change, so that many requests pass the schema and reach the handlers' own refusals.
      weight: 4,
      arbitrary: fc
        .oneof(
          fc.record({ kind: fc.constant<"replace">("replace"), at: fc.nat(), value: plausibleValue(fx) }),
          fc.record({ kind: fc.constant<"drop">("drop"), at: fc.nat() }),
        )
        .map((change) =>
          makePayload(`near-valid (${change.kind})`, toJsonText(applyMutation(structuredClone(valid) as JsonValue, change))),
        ),
    },
    { weight: 2, arbitrary: fc.jsonValue().map((value) => makePayload("random JSON", toJsonText(value))) },
    { weight: 1, arbitrary: fc.anything().map((value) => makePayload("anything", toJsonText(value))) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.string().map((text) => makePayload("random text", text)),
        fc.nat({ max: Math.max(validText.length - 1, 0) }).map((cut) => makePayload("truncated JSON", validText.slice(0, cut))),
        fc
          .constantFrom(
            "{",
            "}",
            "{]",
            '{"a":}',
            "{'a': 1}",
            "NaN",
            "undefined",
            '{"a": 1,}',
            "\u0000",
            "\uFEFF{}",
            `${validText}${validText}`,
          )
          .map((text) => makePayload("malformed JSON", text)),
      ),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => makePayload("random bytes", Buffer.from(bytes))) },
    { weight: 1, arbitrary: fc.constant(makePayload("no body", undefined)) },
  );
}

const awkwardParams = fc.constantFrom(
  "0",
  "-1",
  "1.5",
  "2147483648",
  "99999999999",
  "1e3",
  "0x10",
  " 1",
  "01",
  "NaN",
  "null",
  "undefined",
  "..",
  ".",
  "~",
  "😀",
  "a b",
  "'; DROP TABLE webhooks; --",
  "\u0000",
  "\uFEFF1",
  "１",
  "PROMOTION_EVENTS",
);

/** A path segment, already encoded: the valid one, awkward ones, or (last) invalid percent-encoding sent as is. */
function segmentArbitrary(valid: string | number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(encodeURIComponent(String(valid))) },
    { weight: 2, arbitrary: awkwardParams.map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.integer().map(String) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.integer({ min: 300, max: 4_000 }).map((length) => "9".repeat(length)) },
    { weight: 1, arbitrary: fc.constantFrom("%", "%zz", "%E0%A4%A", "%C0%AF", "%FF", "%ud800") },
  );
}

function paramsArbitrary(path: string, valid: Record<string, string | number>): fc.Arbitrary<Record<string, string>> {
  const names = [...path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);
  return fc.record(Object.fromEntries(names.map((name) => [name, segmentArbitrary(valid[name] ?? "1")])));
}

const fillEncoded = (path: string, segments: Record<string, string>) =>
  path.replace(/:(\w+)/g, (_whole, name: string) => segments[name] ?? "");

/** The API's own account of a 5xx: its "request failed" log lines since `from`. */
function failureLogs(from: number): string[] {
  return h.logs
    .slice(from)
    .filter((line) => line.includes("request failed"))
    .map((line) => shorten(line, 600));
}

// ---------------------------------------------------------------------------------------------

interface FuzzRequest {
  prefix: string;
  segments: Record<string, string>;
  payload: Payload;
}

/**
 * Cases run first on every route, so the failures found so far reproduce on every run rather
 * than by chance: a NUL in one string field or path parameter at a time (Postgres text and jsonb
 * refuse it), path parameters that are not valid percent-encoding, and object fields nested
 * 20 000 deep.
 */
function knownHardCases(
  prefix: string,
  path: string,
  valid: { params: Record<string, string | number>; body?: Record<string, unknown> },
): FuzzRequest[] {
  const names = [...path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);
  const segments = (make: (value: string, name: string) => string) =>
    Object.fromEntries(names.map((name) => [name, make(String(valid.params[name] ?? ""), name)]));
  const body = (valid.body ?? {}) as JsonValue;
  const validSegments = segments(encodeURIComponent);
  const validBody = JSON.stringify(body);
  const cases: FuzzRequest[] = [];
  for (const at of pathsOf(body).filter((candidate) => typeof get(body, candidate) === "string")) {
    const poisoned = replaceAt(structuredClone(body), at, (text) => `${text as string}\u0000`);
    cases.push({ prefix, segments: validSegments, payload: makePayload(`a NUL in ${at.join(".")}`, JSON.stringify(poisoned)) });
    const unpaired = replaceAt(structuredClone(body), at, (text) => `${text as string}\ud800`);
    cases.push({
      prefix,
      segments: validSegments,
      payload: makePayload(`an unpaired surrogate in ${at.join(".")}`, JSON.stringify(unpaired)),
    });
  }
  for (const name of names.filter((candidate) => !/^\d+$/.test(String(valid.params[candidate])))) {
    cases.push({
      prefix,
      segments: segments((value, other) => (other === name ? `${encodeURIComponent(value)}%00` : encodeURIComponent(value))),
      payload: makePayload(`the valid body, a NUL in :${name}`, validBody),
    });
    cases.push({
      prefix,
      segments: segments((value, other) => (other === name ? `${encodeURIComponent(value)}%ED%A0%80` : encodeURIComponent(value))),
      payload: makePayload(`the valid body, an encoded surrogate in :${name}`, validBody),
    });
  }
  if (names.length > 0)
    cases.push({ prefix, segments: segments(() => "%"), payload: makePayload("the valid body, every path parameter a bare %", validBody) });
  if (isObject(body)) {
    const objectFields = Object.keys(body).filter((key) => isObject(body[key]));
    if (objectFields.length > 0) {
      const deep = Object.fromEntries(
        Object.entries(body).map(([key, value]) => [key, objectFields.includes(key) ? nestDeep(value, 20_000) : value]),
      );
      cases.push({ prefix, segments: validSegments, payload: makePayload("object fields nested 20 000 deep", toJsonText(deep)) });
    }
  }
  return cases;
}

const writeRoutes = tableRoutes
  .filter(({ route }) => route.method !== "get")
  .map((entry) => ({ ...entry, title: `${entry.route.method.toUpperCase()} ${entry.route.path} (${entry.group})` }));

describe("every write route, fuzzed as the system admin: never a 5xx, never a write on a 4xx", () => {
  it("finds write routes of every method in the table", () => {
    expect(new Set(writeRoutes.map(({ route }) => route.method))).toEqual(new Set(["post", "put", "patch", "delete"]));
  });

  it("the snapshot sees writes: an UPDATE of a table without updated_at, and an enqueued job", async () => {
    const fx = await createRouteFixture(h);
    const before = await fullSnapshot(h.api.db, h.api.queues);
    const settings = await sendAs(h, "put", `/api/v1/admin/workspaces/${fx.workspace.id}/settings`, { require_safe_scan: true }, ADMIN);
    expect(settings.status).toBe(200);
    const afterSettings = await fullSnapshot(h.api.db, h.api.queues);
    expect(afterSettings.tables.workspaces?.rows).toBe(before.tables.workspaces?.rows);
    expect(afterSettings.tables.workspaces?.content).not.toBe(before.tables.workspaces?.content);
    const build = await sendAs(
      h,
      "post",
      `/api/v1/deployment/workspace/${fx.workspace.name}/builds`,
      { model_version_id: fx.versionId },
      ADMIN,
    );
    expect(build.status).toBe(200);
    expect((await fullSnapshot(h.api.db, h.api.queues)).jobs).not.toEqual(afterSettings.jobs);
  });

  it.each(writeRoutes)("$title", async ({ route, key, prefixes }) => {
    const makeInput = ROUTE_INPUTS[key];
    if (!makeInput) throw new Error(`no valid input for ${key} in ROUTE_INPUTS (test/support/route-inputs.ts)`);
    // A fresh workspace per route, so what one route's successes consumed does not starve another.
    const fx = await createRouteFixture(h);
    const valid = makeInput(fx);
    const statuses = new Map<number, number>();

    const request: fc.Arbitrary<FuzzRequest> = fc.record({
      prefix: fc.constantFrom(...prefixes),
      segments: paramsArbitrary(route.path, valid.params),
      payload: bodyArbitrary(valid.body ?? {}, fx),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ prefix, segments, payload }) => {
        const path = `${prefix}${fillEncoded(route.path, segments)}`;
        const before = await fullSnapshot(h.api.db, h.api.queues);
        const logsFrom = h.logs.length;
        const response = await sendAs(h, route.method, path, payload.body, ADMIN);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) {
          throw new Error(
            `${route.method.toUpperCase()} ${shorten(path)} with ${payload.kind} answered ${response.status}: ${shorten(response.text)}\n${failureLogs(logsFrom).join("\n")}`,
          );
        }
        if (response.status >= 400) expect(await fullSnapshot(h.api.db, h.api.queues)).toEqual(before);
      }),
      { numRuns: RUNS_PER_ROUTE, examples: knownHardCases(prefixes[0] ?? "", route.path, valid).map((example) => [example]) },
    );

    // The property meant something: the fuzzer reached the refusals it is about.
    const refused = [...statuses].filter(([status]) => status >= 400 && status < 500).reduce((sum, [, count]) => sum + count, 0);
    expect({ statuses: Object.fromEntries(statuses), refusedSome: refused > 0 }).toEqual({
      statuses: Object.fromEntries(statuses),
      refusedSome: true,
    });
  });
});
