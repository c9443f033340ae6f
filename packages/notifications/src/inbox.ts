import { notFound } from "@modelhooks/contracts";
import { newestFirstPage, type Db, type Notification, type Page, type Prisma } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";

/** A webhook's notification links to it in its workspace's console pages, so the workspace comes along. */
const WITH_WEBHOOK_WORKSPACE = { webhook: { select: { workspaceId: true } } } as const;
type ListedNotification = Notification & { webhook: { workspaceId: number } | null };

export interface InboxQuery extends Page {
  unreadOnly: boolean;
}

/** A user's own notifications, newest first, one page, with the unread count; nobody sees another's. */
export async function listNotifications(db: Db, principal: Principal, query: InboxQuery) {
  const mine: Prisma.NotificationWhereInput = { userId: principal.userId };
  const where: Prisma.NotificationWhereInput = query.unreadOnly ? { ...mine, readAt: null } : mine;
  const [notifications, total, unread] = await Promise.all([
    db.notification.findMany({ where, include: WITH_WEBHOOK_WORKSPACE, ...newestFirstPage(query) }),
    db.notification.count({ where }),
    db.notification.count({ where: { ...mine, readAt: null } }),
  ]);
  return { notifications, total, unread };
}

export async function markNotificationRead(db: Db, principal: Principal, id: number): Promise<ListedNotification> {
  const found = await db.notification.findFirst({ where: { id, userId: principal.userId }, include: WITH_WEBHOOK_WORKSPACE });
  if (!found) throw notFound(`notification ${id}`);
  if (found.readAt) return found;
  return db.notification.update({ where: { id }, data: { readAt: new Date() }, include: WITH_WEBHOOK_WORKSPACE });
}

export async function markAllNotificationsRead(db: Db, principal: Principal): Promise<number> {
  const { count } = await db.notification.updateMany({ where: { userId: principal.userId, readAt: null }, data: { readAt: new Date() } });
  return count;
}

/** A notification as the API answers it. */
export function notificationView(notification: ListedNotification) {
  return {
    id: notification.id,
    kind: notification.kind,
    title: notification.title,
    body: notification.body,
    link: {
      ...(notification.modelVersionId !== null ? { model_version_id: notification.modelVersionId } : {}),
      ...(notification.buildId !== null ? { build_id: notification.buildId } : {}),
      ...(notification.webhookId !== null ? { webhook_id: notification.webhookId } : {}),
      ...(notification.webhook ? { workspace_id: notification.webhook.workspaceId } : {}),
    },
    created_at: notification.createdAt.toISOString(),
    read_at: notification.readAt?.toISOString() ?? null,
  };
}
