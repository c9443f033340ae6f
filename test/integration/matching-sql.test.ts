import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { EVENT_TYPES, RESOURCE_TYPES, type EventType, type ResourceType } from "@modelhooks/contracts";
import { Prisma } from "@modelhooks/db";
import { MATCHING_WEBHOOKS, webhookMatches } from "@modelhooks/webhooks";
import { createHarness, type Harness } from "../support/harness.js";

// The fan-out matches in SQL; the matching rule (docs/api.md) is spelled out once more in memory (webhookMatches,
// unit-tested case by case). Here the two are held against each other on PostgreSQL for every
// event type × resource type × registered model (none, in a scope, in none) over webhooks of every shape.

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

it("the fan-out's SQL matches exactly the webhooks the matching rule matches", async () => {
  const own = await h.createWorkspace();
  const other = await h.createWorkspace();
  const eventTypeSets: EventType[][] = [[], ["CREATE"], ["CREATE", "PROMOTE"], ["REQUEST_SCAN", "DELETE"]];
  const resourceTypeSets: ResourceType[][] = [[], ["MODEL_VERSION"], ["BUILD", "REGISTERED_MODEL"]];
  // Model ids need no rows: events and scopes hold ids, not foreign keys.
  const scopes: number[][] = [[], [101], [101, 102]];
  const eventModels = [null, 101, 102, 103];
  const shapes = [own.id, other.id].flatMap((workspaceId) =>
    (["ACTIVE", "DISABLED"] as const).flatMap((status) =>
      [true, false].flatMap((allEvents) =>
        eventTypeSets.flatMap((eventTypes) =>
          resourceTypeSets.flatMap((resourceTypes) =>
            scopes.map((registeredModelIds) => ({ workspaceId, status, allEvents, eventTypes, resourceTypes, registeredModelIds })),
          ),
        ),
      ),
    ),
  );
  const webhooks = await Promise.all(
    shapes.map((shape, index) =>
      h.api.db.webhook.create({ data: { ...shape, name: `shape-${index}`, location: "https://example.com/hook" } }),
    ),
  );

  let matchedSomewhere = 0;
  let scopedMatches = 0;
  const scoped = new Set(webhooks.filter((webhook) => webhook.registeredModelIds.length > 0).map((webhook) => webhook.id));
  for (const eventType of EVENT_TYPES) {
    for (const resourceType of RESOURCE_TYPES) {
      for (const registeredModelId of eventModels) {
        const rows = await h.api.db.$queryRaw<{ id: number }[]>(
          Prisma.sql`WITH e (workspace_id, event_type, resource_type, registered_model_id) AS (
             VALUES (${own.id}::int, ${eventType}::"EventType", ${resourceType}::"ResourceType", ${registeredModelId}::int))
           SELECT w.id FROM e JOIN webhooks w ON ${MATCHING_WEBHOOKS}`,
        );
        const expected = webhooks
          .filter((webhook) => webhookMatches(webhook, { workspaceId: own.id, eventType, resourceType, registeredModelId }))
          .map((webhook) => webhook.id);
        expect({ eventType, resourceType, registeredModelId, matched: rows.map((row) => row.id).sort((a, b) => a - b) }).toEqual({
          eventType,
          resourceType,
          registeredModelId,
          matched: expected.sort((a, b) => a - b),
        });
        matchedSomewhere += expected.length;
        if (registeredModelId !== null) scopedMatches += expected.filter((id) => scoped.has(id)).length;
      }
    }
  }
  // The scope was really exercised: scoped webhooks matched some events and not others.
  expect(scopedMatches).toBeGreaterThan(0);
  expect(matchedSomewhere).toBeGreaterThan(0);
});
