import { Prisma, type Webhook } from "@modelhooks/db";
import { makeEvent, type PendingEvents } from "@modelhooks/events";
import { notifyWorkspaceAdmins } from "@modelhooks/notifications";
import { webhookView } from "./webhook-view.js";

export interface HealthSettings {
  /** How long a webhook must have failed without a single success… */
  disableAfterMs: number;
  /** …and how many attempts in a row, before it is disabled. */
  minFailures: number;
}

// Atomic increment: concurrent failures of one webhook each count (a read-modify-write would lose some).
export const COUNT_FAILURE = (webhookId: number, failures = 1) => Prisma.sql`
  UPDATE webhooks SET consecutive_failures = consecutive_failures + ${failures}::int, failing_since = COALESCE(failing_since, now())
  WHERE id = ${webhookId} RETURNING consecutive_failures, failing_since, status`;

export interface CountedFailure {
  consecutive_failures: number;
  failing_since: Date;
  status: string;
}

/** Whether a webhook's run of failures, just counted, is long and old enough to disable it. */
export function reachesDisable(counted: CountedFailure, settings: HealthSettings, now = Date.now()): boolean {
  return (
    counted.status === "ACTIVE" &&
    counted.consecutive_failures >= settings.minFailures &&
    now - counted.failing_since.getTime() >= settings.disableAfterMs
  );
}

/**
 * Inside an attempt's transaction: a success clears the webhook's run of failures; a failure
 * extends it, and disables the webhook once the run is both long enough and old enough
 * (docs/api.md, Deliveries on the wire), recording an UPDATE event of the webhook. Returns the disabled webhook, if so.
 */
export async function recordWebhookHealth(
  tx: Prisma.TransactionClient,
  webhook: Pick<Webhook, "id" | "consecutiveFailures">,
  succeeded: boolean,
  { settings, events, announce }: { settings: HealthSettings; events: PendingEvents; announce: boolean },
): Promise<Webhook | undefined> {
  if (succeeded) {
    if (webhook.consecutiveFailures > 0)
      await tx.webhook.update({ where: { id: webhook.id }, data: { consecutiveFailures: 0, failingSince: null } });
    return undefined;
  }
  const [counted] = await tx.$queryRaw<CountedFailure[]>(COUNT_FAILURE(webhook.id));
  if (!counted || !reachesDisable(counted, settings)) return undefined;
  const before = await tx.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
  const after = await tx.webhook.update({
    where: { id: webhook.id },
    data: {
      status: "DISABLED",
      disabledReason: `disabled automatically: ${counted.consecutive_failures} failed attempts in a row since ${counted.failing_since.toISOString()}; re-enable with updateWebhook status ACTIVE`,
    },
  });
  if (announce) {
    await events.record(
      tx,
      makeEvent(after.workspaceId, "UPDATE", "WEBHOOK", { webhook: webhookView(before) }, { webhook: webhookView(after) }),
    );
  }
  await notifyWorkspaceAdmins(tx, after.workspaceId, {
    kind: "WEBHOOK_DISABLED",
    title: `Webhook "${after.name}" was disabled`,
    body: `Webhook "${after.name}" was ${after.disabledReason ?? "disabled automatically"}. Nothing is delivered to it until an admin re-enables it.`,
    link: { webhookId: after.id },
  });
  return after;
}
