import type { EventInput } from "@modelhooks/contracts";
import { waitFor } from "../../scripts/lib/wait-for.js";
import { EVENTS, type Harness } from "./harness.js";

export type Call = Record<string, any>;

/** The calls of an event as findWebhookCall lists them (newest first), with every attempt if asked. */
export async function callsOf(h: Harness, eventUuid: string, includeAttempts = false): Promise<Call[]> {
  const response = await h.post(`${EVENTS}/findWebhookCall`, { event_uuids: [eventUuid], include_attempts: includeAttempts });
  if (response.status !== 200) throw new Error(`findWebhookCall: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.calls as Call[];
}

/** Waits until the event's newest call has `status`; resolves with its calls, attempts included. */
export function waitForCall(h: Harness, eventUuid: string, status: "SUCCESS" | "FAILURE", timeoutMs?: number): Promise<Call[]> {
  return waitFor(
    async () => {
      const calls = await callsOf(h, eventUuid, true);
      return calls[0]?.status === status && calls;
    },
    { what: `a ${status} call for ${eventUuid}`, timeoutMs },
  );
}

/** A new workspace with one webhook, `name`, for all of its events, delivering to `location`. */
export async function workspaceWithWebhook(h: Harness, name: string, location: string): Promise<{ id: number; name: string }> {
  const workspace = await h.createWorkspace();
  await h.createWebhook({ name, location, all_events: true, workspace_id: workspace.id });
  return workspace;
}

type EventFields = Partial<Omit<EventInput, "event_uuid" | "workspace_id">>;

/** createEvent as the admin (a BUILD created, unless `fields` say otherwise), answered as it comes. */
export function postEvent(h: Harness, workspaceId: number, eventUuid: string, fields: EventFields = {}) {
  return h.post(`${EVENTS}/createEvent`, {
    event_uuid: eventUuid,
    event_type: "CREATE",
    workspace_id: workspaceId,
    resource_type: "BUILD",
    ...fields,
  });
}

/** postEvent, which must answer 202. */
export async function sendEvent(h: Harness, workspaceId: number, eventUuid: string, fields: EventFields = {}): Promise<void> {
  await postEvent(h, workspaceId, eventUuid, fields).expect(202);
}

/** `count` events, `<prefix>-0` … `<prefix>-<count-1>`, one after the other. */
export async function sendEvents(h: Harness, workspaceId: number, prefix: string, count: number, fields: EventFields = {}): Promise<void> {
  for (let index = 0; index < count; index++) await sendEvent(h, workspaceId, `${prefix}-${index}`, fields);
}
