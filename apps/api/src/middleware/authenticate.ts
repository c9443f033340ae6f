import type { NextFunction, Request, Response } from "express";
import { authenticate, type Principal } from "@modelhooks/identity";
import type { Db } from "@modelhooks/db";
import { forbidden, unauthenticated } from "../http-errors.js";

export type Access = "public" | "member" | "admin";

interface Credentials {
  email?: string;
  developerKey?: string;
}

/**
 * Verta's headers (grpc-metadata-email + grpc-metadata-developer_key), or a Bearer developer key
 * with the email header, or HTTP Basic email:key (so a browser can open the dashboard).
 */
function readCredentials(req: Request): Credentials {
  const email = req.header("grpc-metadata-email") ?? undefined;
  const developerKey = req.header("grpc-metadata-developer_key") ?? req.header("grpc-metadata-developer-key") ?? undefined;
  const authorization = req.header("authorization") ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  const basic = /^Basic\s+(\S+)$/i.exec(authorization)?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { email: email ?? decoded.slice(0, colon), developerKey: developerKey ?? decoded.slice(colon + 1) };
  }
  return { email, developerKey: developerKey ?? bearer };
}

export async function resolvePrincipal(db: Db, req: Request): Promise<Principal> {
  const { email, developerKey } = readCredentials(req);
  if (!email || !developerKey) throw unauthenticated();
  const principal = await authenticate(db, email, developerKey);
  if (!principal) throw unauthenticated();
  return principal;
}

export function requireAccess(db: Db, access: Access) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (access === "public") return next();
    req.principal = await resolvePrincipal(db, req);
    req.log = req.log.child({ userId: req.principal.userId });
    if (access === "admin" && !req.principal.systemAdmin) throw forbidden();
    next();
  };
}
