import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { Router } from "express";
import { QUEUE_KEYS } from "@modelhooks/queues";
import type { ApiDeps } from "../api-deps.js";
import { requireAccess } from "../middleware/authenticate.js";

export const DASHBOARD_PATH = "/admin/queues";

/** Bull Board for system admins (headers, Bearer, or Basic email:key from a browser). */
export function queueDashboardRouter(deps: ApiDeps): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: QUEUE_KEYS.map((key) => new BullMQAdapter(deps.queues.queues[key])),
    serverAdapter,
    options: { uiConfig: { boardTitle: "modelhooks" } },
  });
  const router = Router();
  router.use(requireAccess(deps, "admin"));
  router.use(serverAdapter.getRouter() as Router);
  return router;
}
