// The bench's load on the real API, through the shared client (scripts/lib/api-client.ts):
// createEvent sent at full speed or at a fixed rate, noting when each 202 arrived (the event's
// acceptance time), and the webhooks the events fan out to.
import type { ApiClient } from "../scripts/lib/api-client.js";

export interface SendResult {
  /** event_uuid → Date.now() when its 202 arrived. */
  acceptedAt: Map<string, number>;
  /** Per accepted request: its 202's arrival − its sending, ms. */
  answerMs: number[];
  rejected: number;
  startedAt: number;
  endedAt: number;
}

/** `count` signed webhooks (as deliveries are in production) for every event of the workspace, all to `location`. */
export async function addWebhooks(api: ApiClient, workspaceId: number, namePrefix: string, count: number, location: string): Promise<void> {
  for (let index = 0; index < count; index++) {
    await api.createWebhook({
      name: `${namePrefix}-${index + 1}`,
      workspace_id: workspaceId,
      location,
      all_events: true,
      event_types: [],
      mutual_secret: "bench-secret",
    });
  }
}

/** Load options shared by the senders: `padding` characters of description make the body bigger (ingestion: ~1 KiB). */
export interface BodyOptions {
  padding?: number;
}

/** One createEvent; resolves with the time its 202 arrived, or undefined if it was refused or got no answer. */
export async function sendEvent(
  api: ApiClient,
  workspaceId: number,
  eventUuid: string,
  index: number,
  body: BodyOptions = {},
): Promise<number | undefined> {
  const answer = await api.createEvent(eventBody(workspaceId, eventUuid, index, body.padding ?? 0)).catch(() => undefined);
  return answer?.status === 202 ? Date.now() : undefined;
}

/** sendEvent, timed: the answer's latency beside its arrival. */
async function timedSend(api: ApiClient, workspaceId: number, eventUuid: string, index: number, body: BodyOptions) {
  const sentAt = performance.now();
  const acceptedAt = await sendEvent(api, workspaceId, eventUuid, index, body);
  return { acceptedAt, answerMs: performance.now() - sentAt };
}

/** `uuids` sent by `concurrency` loops, each waiting for its answer before the next. */
export async function sendFullSpeed(
  api: ApiClient,
  workspaceId: number,
  uuids: string[],
  concurrency: number,
  body: BodyOptions = {},
): Promise<SendResult> {
  const result = newResult();
  let next = 0;
  const loop = async () => {
    while (next < uuids.length) {
      const index = next++;
      note(result, uuids[index] as string, await timedSend(api, workspaceId, uuids[index] as string, index, body));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, uuids.length) }, loop));
  return { ...result, endedAt: Date.now() };
}

/**
 * Open loop at `perSecond`: event i leaves at start + i / perSecond whatever the answers do
 * (at most `maxInFlight` outstanding, so an overloaded API cannot pile up unbounded requests).
 */
export async function sendAtRate(
  api: ApiClient,
  workspaceId: number,
  uuids: string[],
  perSecond: number,
  body: BodyOptions = {},
  maxInFlight = 256,
): Promise<SendResult> {
  const result = newResult();
  const outstanding = new Set<Promise<void>>();
  for (let index = 0; index < uuids.length; index++) {
    const wait = result.startedAt + (index * 1000) / perSecond - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    while (outstanding.size >= maxInFlight) await Promise.race(outstanding);
    const uuid = uuids[index] as string;
    const request: Promise<void> = timedSend(api, workspaceId, uuid, index, body)
      .then((sent) => note(result, uuid, sent))
      .finally(() => outstanding.delete(request));
    outstanding.add(request);
  }
  await Promise.all(outstanding);
  return { ...result, endedAt: Date.now() };
}

function newResult(): SendResult {
  return { acceptedAt: new Map(), answerMs: [], rejected: 0, startedAt: Date.now(), endedAt: 0 };
}

function note(result: SendResult, uuid: string, sent: { acceptedAt: number | undefined; answerMs: number }): void {
  if (sent.acceptedAt === undefined) {
    result.rejected += 1;
    return;
  }
  result.acceptedAt.set(uuid, sent.acceptedAt);
  result.answerMs.push(sent.answerMs);
}

/** A small, realistic createEvent body: a model version created. */
function eventBody(workspaceId: number, eventUuid: string, index: number, padding: number) {
  return {
    event_uuid: eventUuid,
    event_type: "CREATE" as const,
    workspace_id: workspaceId,
    resource_type: "MODEL_VERSION" as const,
    new_entity: {
      model_version: {
        id: index + 1,
        registered_model_id: 1,
        version: `v${index + 1}`,
        stage: "UNASSIGNED",
        labels: ["bench"],
        ...(padding > 0 ? { description: "d".repeat(padding) } : {}),
      },
    },
  };
}
