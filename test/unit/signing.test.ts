import { createHmac } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { Webhook } from "standardwebhooks";
import { buildOutgoingRequest, type DeliveryEnvelope } from "../../packages/webhooks/src/outgoing-request.js";
import { signPayload } from "../../packages/webhooks/src/signing.js";

const SECRET = "shared mutual secret ✓";

const envelope: DeliveryEnvelope = {
  event_uuid: "6f1c9a2e-3b7d-4f0e-9a51-2d8c4b6e7f10",
  event_type: "PROMOTE",
  workspace_id: 7,
  workspace_name: "research",
  timestamp: "2024-05-01T12:00:00.000Z",
  resource_type: "MODEL_VERSION",
  original_entity: { id: 3, stage: "staging" },
  new_entity: { id: 3, stage: "production" },
  webhook: { id: 42, name: "ci" },
  test: false,
};

/** The official verifier, given base64(mutual_secret) as its secret (README, "Verifying signatures"). */
const verifierFor = (secret: string) => new Webhook(Buffer.from(secret, "utf8").toString("base64"));

describe("signPayload", () => {
  it("is v1,base64(HMAC-SHA256(utf8 secret, id.timestamp.body))", () => {
    const expected = createHmac("sha256", Buffer.from(SECRET, "utf8")).update("msg_1.1700000000.{}").digest("base64");
    expect(signPayload(SECRET, "msg_1", 1700000000, "{}")).toBe(`v1,${expected}`);
  });

  it("agrees with the standardwebhooks library's own signer", () => {
    const library = verifierFor(SECRET).sign("msg_1", new Date(1700000000 * 1000), '{"a":1}');
    expect(signPayload(SECRET, "msg_1", 1700000000, '{"a":1}')).toBe(library);
  });
});

describe("buildOutgoingRequest", () => {
  it("produces a request the standardwebhooks library verifies, yielding the envelope", () => {
    const { body, headers } = buildOutgoingRequest({ envelope, secret: SECRET, callId: 99, attempt: 2 });
    expect(verifierFor(SECRET).verify(body, headers)).toEqual(envelope);
    expect(JSON.parse(body)).toEqual(envelope);
  });

  it("fails verification when the body was tampered with", () => {
    const { body, headers } = buildOutgoingRequest({ envelope, secret: SECRET, callId: 99, attempt: 1 });
    const tampered = body.replace('"production"', '"archived"');
    expect(tampered).not.toBe(body);
    expect(() => verifierFor(SECRET).verify(tampered, headers)).toThrow();
  });

  it("fails verification with another secret, or when a signed header was changed", () => {
    const { body, headers } = buildOutgoingRequest({ envelope, secret: SECRET, callId: 99, attempt: 1 });
    expect(() => verifierFor("another secret").verify(body, headers)).toThrow();
    expect(() => verifierFor(SECRET).verify(body, { ...headers, "webhook-id": "other-id" })).toThrow();
    const shifted = String(Number(headers["webhook-timestamp"]) - 1);
    expect(() => verifierFor(SECRET).verify(body, { ...headers, "webhook-timestamp": shifted })).toThrow();
  });

  it("sets webhook-id to the event uuid, webhook-timestamp to this attempt's Unix seconds, and the x-modelhooks headers", () => {
    const now = new Date("2024-05-01T12:00:05.987Z");
    const { headers } = buildOutgoingRequest({ envelope, secret: SECRET, callId: 99, attempt: 3, now });
    expect(headers).toMatchObject({
      "content-type": "application/json",
      "webhook-id": envelope.event_uuid,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "x-modelhooks-event-type": "PROMOTE",
      "x-modelhooks-call-id": "99",
      "x-modelhooks-attempt": "3",
    });
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it("keeps webhook-id the same on every attempt (receivers dedupe on it)", () => {
    const first = buildOutgoingRequest({ envelope, secret: SECRET, callId: 1, attempt: 1 });
    const retry = buildOutgoingRequest({ envelope, secret: SECRET, callId: 2, attempt: 5, now: new Date(Date.now() + 60_000) });
    expect(retry.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
  });

  it("sends no signature without a secret, and no call id for a test send", () => {
    const { body, headers } = buildOutgoingRequest({ envelope, secret: null, callId: null, attempt: 1 });
    expect(headers).not.toHaveProperty("webhook-signature");
    expect(headers).not.toHaveProperty("x-modelhooks-call-id");
    expect(headers["webhook-id"]).toBe(envelope.event_uuid);
    expect(JSON.parse(body)).toEqual(envelope);
  });

  it("signs with every secret of a rotation, new first, space-separated; the library verifies with either", () => {
    const { body, headers } = buildOutgoingRequest({ envelope, secret: "new", previousSecrets: ["old", "older"], callId: 1, attempt: 1 });
    const timestamp = Number(headers["webhook-timestamp"]);
    expect(headers["webhook-signature"]).toBe(
      ["new", "old", "older"].map((secret) => signPayload(secret, envelope.event_uuid, timestamp, body)).join(" "),
    );
    for (const secret of ["new", "old", "older"]) expect(verifierFor(secret).verify(body, headers)).toEqual(envelope);
    expect(() => verifierFor("another").verify(body, headers)).toThrow();
  });
});
