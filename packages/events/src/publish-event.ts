import { jobIds, type JobQueues } from "@modelhooks/queues";
import { eventInputSchema, type EventInput } from "@modelhooks/contracts";

/**
 * For platform services in Node: put an event straight onto the events queue, validated by the
 * same schema as createEvent. The fan-out worker records it (deduplicated by uuid within its workspace) and fans it
 * out like any other. Unlike createEvent there is no outbox: this resolves once Redis has it.
 */
export async function publishEvent(queues: JobQueues, input: EventInput): Promise<void> {
  const event = eventInputSchema.parse(input);
  await queues.add("events", event.event_type, { event: input }, { jobId: jobIds.publishedEvent(event.workspace_id, event.event_uuid) });
}
