import { describe, expect, it } from "@jest/globals";
import { webhookMatches, type MatchableEvent } from "../../packages/webhooks/src/matching.js";

type MatchableWebhook = Parameters<typeof webhookMatches>[0];

const webhook = (overrides: Partial<MatchableWebhook> = {}): MatchableWebhook => ({
  workspaceId: 1,
  status: "ACTIVE",
  allEvents: false,
  eventTypes: ["CREATE"],
  resourceTypes: [],
  registeredModelIds: [],
  ...overrides,
});

const event: MatchableEvent = { workspaceId: 1, eventType: "CREATE", resourceType: "MODEL_VERSION", registeredModelId: 7 };

describe("webhookMatches", () => {
  it("matches an active webhook of the same workspace that wants the event type, with no resource filter", () => {
    expect(webhookMatches(webhook(), event)).toBe(true);
  });

  it("never matches another workspace's webhook", () => {
    expect(webhookMatches(webhook({ workspaceId: 2 }), event)).toBe(false);
    expect(webhookMatches(webhook({ workspaceId: 2, allEvents: true }), event)).toBe(false);
  });

  it("never matches a webhook that is not ACTIVE", () => {
    expect(webhookMatches(webhook({ status: "DISABLED" }), event)).toBe(false);
    expect(webhookMatches(webhook({ status: "DISABLED", allEvents: true }), event)).toBe(false);
  });

  it("matches by event type unless all_events is set", () => {
    expect(webhookMatches(webhook({ eventTypes: ["DELETE", "PROMOTE"] }), event)).toBe(false);
    expect(webhookMatches(webhook({ eventTypes: ["DELETE", "CREATE"] }), event)).toBe(true);
    expect(webhookMatches(webhook({ eventTypes: [] }), event)).toBe(false);
    expect(webhookMatches(webhook({ eventTypes: [], allEvents: true }), event)).toBe(true);
    expect(webhookMatches(webhook({ eventTypes: ["DELETE"], allEvents: true }), event)).toBe(true);
  });

  it("treats an empty resource_types as all, and otherwise requires the event's resource type", () => {
    expect(webhookMatches(webhook({ resourceTypes: [] }), { ...event, resourceType: "BUILD" })).toBe(true);
    expect(webhookMatches(webhook({ resourceTypes: ["MODEL_VERSION"] }), event)).toBe(true);
    expect(webhookMatches(webhook({ resourceTypes: ["REGISTERED_MODEL", "BUILD"] }), event)).toBe(false);
    expect(webhookMatches(webhook({ resourceTypes: ["BUILD"], allEvents: true }), event)).toBe(false);
  });

  it("requires every condition at once", () => {
    const all = webhook({ allEvents: true, resourceTypes: ["MODEL_VERSION"] });
    expect(webhookMatches(all, event)).toBe(true);
    expect(webhookMatches({ ...all, workspaceId: 9 }, event)).toBe(false);
    expect(webhookMatches({ ...all, status: "DISABLED" }, event)).toBe(false);
    expect(webhookMatches({ ...all, resourceTypes: ["BUILD"] }, event)).toBe(false);
  });

  it("treats an empty scope as every model, and otherwise requires the event's model (an event of none is outside it)", () => {
    expect(webhookMatches(webhook({ registeredModelIds: [] }), { ...event, registeredModelId: null })).toBe(true);
    expect(webhookMatches(webhook({ registeredModelIds: [7] }), event)).toBe(true);
    expect(webhookMatches(webhook({ registeredModelIds: [3, 7] }), event)).toBe(true);
    expect(webhookMatches(webhook({ registeredModelIds: [3] }), event)).toBe(false);
    expect(webhookMatches(webhook({ registeredModelIds: [7] }), { ...event, registeredModelId: null })).toBe(false);
    expect(webhookMatches(webhook({ registeredModelIds: [3], allEvents: true }), event)).toBe(false);
  });
});
