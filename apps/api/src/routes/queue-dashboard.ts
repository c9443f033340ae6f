import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { Router, type NextFunction, type Request, type Response } from "express";
import { QUEUE_KEYS } from "@modelhooks/queues";
import type { ApiDeps } from "../api-deps.js";
import { ApiError } from "../http-errors.js";
import { requireAccess } from "../middleware/authenticate.js";

export const DASHBOARD_PATH = "/admin/queues";

/**
 * Bull Board for system admins (headers, Bearer, or Basic email:key from a browser), every queue
 * read-only: a job's state is not the work's state. Retrying a delivery job whose call is already
 * final does nothing, promoting a deadline ends a promotion early, cleaning or emptying a queue
 * drops jobs the relay must rebuild. Redelivery is retriggerWebhookCall, recoverWebhookCalls or the
 * console (docs/decisions.md, "Queue dashboard").
 */
export function queueDashboardRouter(deps: ApiDeps): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: QUEUE_KEYS.map((key) => new BullMQAdapter(deps.queues.queues[key], { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: "modelhooks" } },
  });
  const router = Router();
  router.use(requireAccess(deps, "admin"));
  router.use(serverAdapter.getRouter() as Router);
  // A browser shows its login prompt only for a 401 that names a scheme. Set here, on the
  // dashboard's own router, so the JSON API's 401s stay without a challenge.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof ApiError && error.status === 401) res.setHeader("www-authenticate", 'Basic realm="modelhooks"');
    next(error);
  });
  return router;
}
