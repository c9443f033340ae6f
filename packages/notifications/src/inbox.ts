import { notFound } from "@modelhooks/contracts";
import { newestFirstPage, type Db, type Notification, type Page, type Prisma } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";

export interface InboxQuery extends Page {
  unreadOnly: boolean;
}

/** A user's own notifications, newest first, one page, with the unread count; nobody sees another's. */
export async function listNotifications(db: Db, principal: Principal, query: InboxQuery) {
  const mine: Prisma.NotificationWhereInput = { userId: principal.userId };
  const where: Prisma.NotificationWhereInput = query.unreadOnly ? { ...mine, readAt: null } : mine;
  const [notifications, total, unread] = await Promise.all([
    db.notification.findMany({ where, ...newestFirstPage(query) }),
    db.notification.count({ where }),
    db.notification.count({ where: { ...mine, readAt: null } }),
  ]);
  return { notifications, total, unread };
}

export async function markNotificationRead(db: Db, principal: Principal, id: number): Promise<Notification> {
  const found = await db.notification.findFirst({ where: { id, userId: principal.userId } });
  if (!found) throw notFound(`notification ${id}`);
  if (found.readAt) return found;
  return db.notification.update({ where: { id }, data: { readAt: new Date() } });
}

export async function markAllNotificationsRead(db: Db, principal: Principal): Promise<number> {
  const { count } = await db.notification.updateMany({ where: { userId: principal.userId, readAt: null }, data: { readAt: new Date() } });
  return count;
}

/** A notification as the API answers it. */
export function notificationView(notification: Notification) {
  return {
    id: notification.id,
    kind: notification.kind,
    title: notification.title,
    body: notification.body,
    link: {
      ...(notification.modelVersionId !== null ? { model_version_id: notification.modelVersionId } : {}),
      ...(notification.buildId !== null ? { build_id: notification.buildId } : {}),
      ...(notification.webhookId !== null ? { webhook_id: notification.webhookId } : {}),
    },
    created_at: notification.createdAt.toISOString(),
    read_at: notification.readAt?.toISOString() ?? null,
  };
}
