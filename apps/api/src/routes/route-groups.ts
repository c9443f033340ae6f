import type { RouteGroup } from "../route-table.js";
import { adminRoutes } from "./admin.js";
import { webhookCallRoutes } from "./webhook-calls.js";
import { webhookRoutes } from "./webhooks.js";

/** Every JSON route of the API, with where it is mounted (Verta's two EventService prefixes). */
export const routeGroups: RouteGroup[] = [
  { name: "EventService", prefixes: ["/api/v1/uac-proxy/events", "/v1/events"], routes: [...webhookRoutes, ...webhookCallRoutes] },
  { name: "Admin", prefixes: ["/api/v1/admin"], routes: adminRoutes },
];
