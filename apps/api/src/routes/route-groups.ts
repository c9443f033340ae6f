import type { RouteGroup } from "../route-table.js";
import { adminRoutes } from "./admin.js";
import { authRoutes } from "./auth.js";
import { buildRoutes } from "./builds.js";
import { notificationRoutes } from "./notifications.js";
import { registryRoutes } from "./registry.js";
import { stageRoutes } from "./stages.js";
import { webhookCallRoutes } from "./webhook-calls.js";
import { webhookRoutes } from "./webhooks.js";

/** Every JSON route of the API, with where it is mounted (Verta's prefixes, each at /api/v1 and /v1). */
export const routeGroups: RouteGroup[] = [
  { name: "EventService", prefixes: ["/api/v1/uac-proxy/events", "/v1/events"], routes: [...webhookRoutes, ...webhookCallRoutes] },
  { name: "Admin", prefixes: ["/api/v1/admin"], routes: adminRoutes },
  { name: "Auth", prefixes: ["/api/v1/auth"], routes: authRoutes },
  { name: "Registry", prefixes: ["/api/v1/registry", "/v1/registry"], routes: registryRoutes },
  { name: "StageService", prefixes: ["/api/v1/registry/stage", "/v1/registry/stage"], routes: stageRoutes },
  { name: "Deployment", prefixes: ["/api/v1/deployment", "/v1/deployment"], routes: buildRoutes },
  { name: "Notifications", prefixes: ["/api/v1/notifications"], routes: notificationRoutes },
];
