import { listNotificationsQuery, notificationIdParams, pageOfQuery } from "@modelhooks/contracts";
import { listNotifications, markAllNotificationsRead, markNotificationRead, notificationView } from "@modelhooks/notifications";
import { defineRoute } from "../route-table.js";

/** The caller's own notifications; nobody sees another's (404, as if it did not exist). */
export const notificationRoutes = [
  defineRoute({
    method: "get",
    path: "/",
    summary: "The caller's notifications, newest first, with the unread count",
    access: "member",
    query: listNotificationsQuery,
    handler: async ({ deps, principal, query }) => {
      const { notifications, total, unread } = await listNotifications(deps.db, principal, {
        unreadOnly: query.unread_only,
        ...pageOfQuery(query),
      });
      return { notifications: notifications.map(notificationView), unread_count: unread, total_records: total };
    },
  }),
  defineRoute({
    method: "post",
    path: "/:id/read",
    summary: "Mark one of the caller's notifications read",
    access: "member",
    params: notificationIdParams,
    handler: async ({ deps, principal, params }) => notificationView(await markNotificationRead(deps.db, principal, params.id)),
  }),
  defineRoute({
    method: "post",
    path: "/read-all",
    summary: "Mark all the caller's notifications read",
    access: "member",
    handler: async ({ deps, principal }) => ({ marked: await markAllNotificationsRead(deps.db, principal) }),
  }),
];
