import { describe, expect, it } from "@jest/globals";
import { eventInputSchema, type EventInput } from "@modelhooks/contracts";

const valid: EventInput = {
  event_uuid: "evt-0001",
  event_type: "CREATE",
  workspace_id: 3,
  resource_type: "MODEL_VERSION",
};

/** Paths of the issues when parsing fails; fails the test if parsing succeeds. */
function rejectedPaths(input: unknown): string[] {
  const result = eventInputSchema.safeParse(input);
  if (result.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  return result.error.issues.map((issue) => issue.path.join("."));
}

describe("eventInputSchema (createEvent's body)", () => {
  it("accepts the minimal event, leaving the optional fields absent", () => {
    const parsed = eventInputSchema.parse(valid);
    expect(parsed).toEqual(valid);
  });

  it("accepts workspace_id as a number or a numeric string, always answering a number", () => {
    expect(eventInputSchema.parse({ ...valid, workspace_id: "42" }).workspace_id).toBe(42);
    expect(eventInputSchema.parse({ ...valid, workspace_id: 42 }).workspace_id).toBe(42);
    expect(eventInputSchema.parse({ ...valid, workspace_id: "2147483647" }).workspace_id).toBe(2_147_483_647);
  });

  it.each([["0"], ["-1"], ["01"], ["1.5"], ["abc"], [""], ["2147483648"], [0], [-3], [1.5], [2_147_483_648], [null], [true]])(
    "rejects workspace_id %p",
    (workspaceId) => {
      expect(rejectedPaths({ ...valid, workspace_id: workspaceId })).toContain("workspace_id");
    },
  );

  it("reads timestamps given as Unix seconds, Unix milliseconds or ISO-8601, as the same instant", () => {
    const instant = new Date("2024-05-01T12:00:00Z");
    const seconds = instant.getTime() / 1000;
    for (const timestamp of [
      seconds,
      instant.getTime(),
      String(seconds),
      String(instant.getTime()),
      "2024-05-01T12:00:00Z",
      "2024-05-01T14:00:00+02:00",
    ]) {
      expect(eventInputSchema.parse({ ...valid, timestamp }).timestamp).toEqual(instant);
    }
    expect(eventInputSchema.parse({ ...valid, timestamp: "2024-05-01T12:00:00.250Z" }).timestamp).toEqual(
      new Date("2024-05-01T12:00:00.250Z"),
    );
  });

  it.each([["yesterday"], ["2024-13-01T00:00:00Z"], ["2024-05-01"], [-1], [1.5], [""], [{}]])("rejects timestamp %p", (timestamp) => {
    expect(rejectedPaths({ ...valid, timestamp })).toContain("timestamp");
  });

  it("accepts every known event and resource type", () => {
    for (const event_type of ["CREATE", "READ", "UPDATE", "DELETE", "PROMOTE", "REQUEST_SCAN"]) {
      for (const resource_type of ["REGISTERED_MODEL", "MODEL_VERSION", "BUILD"]) {
        expect(eventInputSchema.safeParse({ ...valid, event_type, resource_type }).success).toBe(true);
      }
    }
  });

  it("rejects unknown or differently cased event and resource types", () => {
    expect(rejectedPaths({ ...valid, event_type: "ARCHIVE" })).toEqual(["event_type"]);
    expect(rejectedPaths({ ...valid, event_type: "create" })).toEqual(["event_type"]);
    expect(rejectedPaths({ ...valid, resource_type: "DATASET" })).toEqual(["resource_type"]);
  });

  it("rejects extra fields, naming them", () => {
    const result = eventInputSchema.safeParse({ ...valid, webhook_id: 1 });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain("webhook_id");
  });

  it("requires event_uuid, event_type, workspace_id and resource_type", () => {
    expect(rejectedPaths({}).sort()).toEqual(["event_type", "event_uuid", "resource_type", "workspace_id"]);
  });

  it("limits event_uuid to 1-100 safe characters", () => {
    expect(eventInputSchema.safeParse({ ...valid, event_uuid: "a".repeat(100) }).success).toBe(true);
    expect(eventInputSchema.safeParse({ ...valid, event_uuid: "urn:evt.1_2-3" }).success).toBe(true);
    for (const uuid of ["", "a".repeat(101), "has space", "slash/y", "new\nline"]) {
      expect(rejectedPaths({ ...valid, event_uuid: uuid })).toContain("event_uuid");
    }
  });

  it("refuses timestamps outside the years 1–9999, which PostgreSQL cannot read, naming the field", () => {
    expect(eventInputSchema.parse({ ...valid, timestamp: 253_402_300_799_999 }).timestamp).toEqual(new Date("9999-12-31T23:59:59.999Z"));
    expect(eventInputSchema.parse({ ...valid, timestamp: "0001-01-01T00:00:00Z" }).timestamp).toEqual(new Date("0001-01-01T00:00:00Z"));
    for (const timestamp of [
      253_402_300_800_000,
      8.64e15 + 1,
      Number.MAX_SAFE_INTEGER,
      "0000-06-01T00:00:00Z",
      "0001-01-01T00:30:00+01:00",
    ]) {
      expect(rejectedPaths({ ...valid, timestamp })).toContain("timestamp");
    }
  });

  it("takes entities as objects or null, nothing else", () => {
    const parsed = eventInputSchema.parse({ ...valid, original_entity: null, new_entity: { id: 1, tags: ["a"] } });
    expect(parsed.original_entity).toBeNull();
    expect(parsed.new_entity).toEqual({ id: 1, tags: ["a"] });
    expect(rejectedPaths({ ...valid, new_entity: "text" })).toContain("new_entity");
    expect(rejectedPaths({ ...valid, original_entity: [1, 2] })).toContain("original_entity");
  });

  // publishEvent jobs skip the API's guard, so the schema itself refuses what PostgreSQL's jsonb cannot hold.
  it("refuses entities PostgreSQL cannot store, naming the field: NUL, unpaired surrogates, deep nesting", () => {
    expect(rejectedPaths({ ...valid, new_entity: { model: { name: "a\u0000b" } } })).toContain("new_entity.model.name");
    expect(rejectedPaths({ ...valid, new_entity: { value: "\ud800" } })).toContain("new_entity.value");
    expect(rejectedPaths({ ...valid, original_entity: { list: ["ok", "x\udc00"] } })).toContain("original_entity.list.1");
    expect(rejectedPaths({ ...valid, new_entity: { "key\ud83d": 1 } })).toContain("new_entity.key\ud83d");
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 70; level += 1) deep = { next: deep };
    expect(rejectedPaths({ ...valid, new_entity: deep })[0]).toMatch(/^new_entity(\.next)+$/);
  });

  it("keeps well-formed text, astral characters included", () => {
    const entity = { name: "modèle 😀 模型", emoji: "\ud83d\ude00" };
    expect(eventInputSchema.parse({ ...valid, new_entity: entity }).new_entity).toEqual(entity);
  });
});
