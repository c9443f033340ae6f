import express, { type Express } from "express";
import type { ApiDeps } from "./api-deps.js";
import { ApiError } from "./http-errors.js";
import { errorHandler } from "./middleware/error-handler.js";
import { requestContext } from "./middleware/request-context.js";
import { buildRouter, type RouteGroup } from "./route-table.js";
import { healthRouter } from "./routes/health.js";
import { openApiDocument } from "./routes/openapi.js";
import { DASHBOARD_PATH, queueDashboardRouter } from "./routes/queue-dashboard.js";
import { routeGroups } from "./routes/route-groups.js";
import { webPagesRouter } from "./routes/web-pages.js";

/** The express app, without listen(): main.ts serves it, tests drive it with supertest. */
export function createApp(deps: ApiDeps, groups: RouteGroup[] = routeGroups): Express {
  const app = express();
  app.disable("x-powered-by");
  // Off unless TRUST_PROXY names the proxies in front: req.ip (which the sign-in throttle counts
  // by) must not be whatever a client writes in X-Forwarded-For.
  app.set("trust proxy", deps.config.TRUST_PROXY);
  app.use(requestContext(deps.logger));
  // Any content type is read as JSON: Verta's scripts and curl users do not always say so.
  app.use(express.json({ limit: deps.config.BODY_LIMIT_BYTES, type: () => true, strict: true }));

  app.use(healthRouter(deps));
  const openApi = openApiDocument(groups);
  app.get("/openapi.json", (_req, res) => {
    res.json(openApi);
  });
  app.use(DASHBOARD_PATH, queueDashboardRouter(deps));
  app.use(webPagesRouter());
  for (const group of groups) {
    const router = buildRouter(deps, group.routes);
    for (const prefix of group.prefixes) app.use(prefix, router);
  }
  app.use((req) => {
    throw new ApiError(404, "not_found", `no route ${req.method} ${req.path}`);
  });
  app.use(errorHandler());
  return app;
}
