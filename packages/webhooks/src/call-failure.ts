import type { Prisma } from "@modelhooks/db";
import { makeEvent, type PendingEvents } from "@modelhooks/events";
import { notifiedRecently, notifyWorkspaceAdmins } from "@modelhooks/notifications";
import type { TransportResult } from "./webhook-transport.js";

/** A call that has just ended FAILURE, with what its last attempt got. */
export interface FailedCall {
  callId: number;
  eventId: number;
  eventUuid: string;
  eventType: string;
  resourceType: string;
  webhookId: number;
  webhookName: string;
  workspaceId: number;
  attempts: number;
  lastResult: TransportResult;
}

/**
 * What else a failed call changes, decided by another package (the registry fails the promotion
 * or scan it carried), inside the same transaction as the call's final state.
 */
export type CallFailureReaction = (tx: Prisma.TransactionClient, failed: FailedCall, events: PendingEvents) => Promise<void>;

// Operational events are about webhooks and calls: one about a failure never causes another.
const OPERATIONAL = new Set(["WEBHOOK", "WEBHOOK_CALL"]);
export const isOperational = (resourceType: string) => OPERATIONAL.has(resourceType);

/** Failures are told to admins at most once per webhook per hour, not once per call. */
export const FAILURE_NOTIFICATION_INTERVAL_MS = 60 * 60 * 1000;

/** The last attempt's outcome in plain words: "answered 500 4 times", "could not be reached (…) 4 times". */
export function describeFailure(failed: Pick<FailedCall, "attempts" | "lastResult">): string {
  const { lastResult, attempts } = failed;
  const times = attempts === 1 ? "once" : `${attempts} times`;
  if (lastResult.statusCode > 0) return `answered ${lastResult.statusCode} ${times}`;
  if (lastResult.errorKind === "timeout") return `did not answer in time ${times}`;
  return `could not be reached (${lastResult.error ?? "no answer"}), ${times}`;
}

/** Inside the transaction that marks the call FAILURE: announce it, tell the admins, let others react. */
export async function recordCallFailure(
  tx: Prisma.TransactionClient,
  failed: FailedCall,
  events: PendingEvents,
  reactions: readonly CallFailureReaction[],
): Promise<void> {
  if (!isOperational(failed.resourceType)) {
    await events.record(
      tx,
      makeEvent(failed.workspaceId, "UPDATE", "WEBHOOK_CALL", null, {
        webhook_call: {
          id: failed.callId,
          webhook_id: failed.webhookId,
          webhook_name: failed.webhookName,
          event_uuid: failed.eventUuid,
          event_type: failed.eventType,
          resource_type: failed.resourceType,
          status: "FAILURE",
          attempts: failed.attempts,
          response: { status_code: failed.lastResult.statusCode, ...(failed.lastResult.error ? { error: failed.lastResult.error } : {}) },
        },
      }),
    );
  }
  if (!(await notifiedRecently(tx, failed.webhookId, "WEBHOOK_CALL_FAILED", FAILURE_NOTIFICATION_INTERVAL_MS))) {
    await notifyWorkspaceAdmins(tx, failed.workspaceId, {
      kind: "WEBHOOK_CALL_FAILED",
      title: `Deliveries to webhook "${failed.webhookName}" are failing`,
      body: `A ${failed.eventType} event (${failed.eventUuid}) was not delivered: the receiver ${describeFailure(failed)}. Further failures of this webhook within the hour are not notified again.`,
      link: { webhookId: failed.webhookId },
    });
  }
  for (const react of reactions) await react(tx, failed, events);
}
