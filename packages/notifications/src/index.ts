export { asSentence, notifyUsers, notifyWorkspaceAdmins, workspaceAdmins, notifiedRecently, type NewNotification } from "./notify.js";
export { listNotifications, markNotificationRead, markAllNotificationsRead, notificationView, type InboxQuery } from "./inbox.js";
export { pruneNotifications } from "./prune.js";
