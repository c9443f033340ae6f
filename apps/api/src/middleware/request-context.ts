import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "@modelhooks/observability";
import type { Principal } from "@modelhooks/identity";

declare module "express-serve-static-core" {
  interface Request {
    requestId: string;
    log: Logger;
    principal?: Principal;
  }
}

/** A request id (the caller's, if it sent a sane one) on the response and on every log line. */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header("x-request-id");
    req.requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.requestId });
    res.setHeader("x-request-id", req.requestId);
    // Nothing to do per request when the request line would be dropped anyway (LOG_LEVEL above http).
    if (!req.log.isLevelEnabled("http")) return next();
    const started = performance.now();
    res.on("finish", () => {
      req.log.http("request", {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs: Math.round(performance.now() - started),
      });
    });
    next();
  };
}
