import type { Db, NotificationKind, Prisma } from "@modelhooks/db";

type Writer = Prisma.TransactionClient | Db;

export interface NewNotification {
  kind: NotificationKind;
  title: string;
  body: string;
  link: { modelVersionId?: number; buildId?: number; webhookId?: number };
}

/**
 * A message from elsewhere (a pipeline's promotion_message, a builder's reason) as a sentence a
 * notification can go on after: "canary failed" becomes "canary failed."; one ending in . ! or ? is kept.
 */
export function asSentence(message: string): string {
  const trimmed = message.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Tells these users, inside the caller's transaction: a notification exists exactly when the
 * change it reports was committed (no change without its notification, nor the reverse).
 */
export async function notifyUsers(tx: Writer, userIds: Array<number | null | undefined>, notification: NewNotification): Promise<void> {
  const recipients = [...new Set(userIds.filter((id): id is number => typeof id === "number"))];
  if (recipients.length === 0) return;
  await tx.notification.createMany({
    data: recipients.map((userId) => ({
      userId,
      kind: notification.kind,
      title: notification.title,
      body: notification.body,
      modelVersionId: notification.link.modelVersionId ?? null,
      buildId: notification.link.buildId ?? null,
      webhookId: notification.link.webhookId ?? null,
    })),
  });
}

/** The people who look after a workspace's webhooks: its system admins, or every system admin when it has none. */
export async function workspaceAdmins(tx: Writer, workspaceId: number): Promise<number[]> {
  const members = await tx.user.findMany({ where: { systemAdmin: true, memberships: { some: { workspaceId } } }, select: { id: true } });
  if (members.length > 0) return members.map((user) => user.id);
  return (await tx.user.findMany({ where: { systemAdmin: true }, select: { id: true } })).map((user) => user.id);
}

export async function notifyWorkspaceAdmins(tx: Writer, workspaceId: number, notification: NewNotification): Promise<void> {
  await notifyUsers(tx, await workspaceAdmins(tx, workspaceId), notification);
}

/** Whether this webhook had a notification of this kind within `withinMs`: failures are told at most once an hour. */
export async function notifiedRecently(tx: Writer, webhookId: number, kind: NotificationKind, withinMs: number): Promise<boolean> {
  const found = await tx.notification.findFirst({
    where: { webhookId, kind, createdAt: { gt: new Date(Date.now() - withinMs) } },
    select: { id: true },
  });
  return found !== null;
}
