import type { NextFunction, Request, Response } from "express";
import { parse as parseCookies } from "cookie";
import { CSRF_HEADER } from "@modelhooks/contracts";
import { principalOfSession, SESSION_COOKIE, signIn, type Principal } from "@modelhooks/identity";
import type { ApiDeps } from "../api-deps.js";
import { ApiError, forbidden, unauthenticated } from "../http-errors.js";

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

export function sessionToken(req: Request): string | undefined {
  const header = req.header("cookie");
  return header ? parseCookies(header)[SESSION_COOKIE] : undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A browser attaches the cookie to any request to this origin, a cross-site form's too; only our
 * own script can add this header (no CORS is enabled), so a change made with a cookie needs it.
 */
export function assertSameSiteIntent(req: Request): void {
  if (SAFE_METHODS.has(req.method) || req.header(CSRF_HEADER) === "1") return;
  throw new ApiError(403, "csrf_required", `a change made with the session cookie needs the header ${CSRF_HEADER}: 1`);
}

type AuthDeps = Pick<ApiDeps, "db" | "signInThrottle" | "principalCache" | "config">;

/**
 * Header credentials win; without them the session cookie counts. Missing credentials are a 401
 * without counting (no key was guessed); keys go through signIn's throttle.
 */
export async function resolvePrincipal(deps: AuthDeps, req: Request): Promise<Principal> {
  const { email, developerKey } = readCredentials(req);
  if (!email && !developerKey) {
    const token = sessionToken(req);
    if (token === undefined) throw unauthenticated();
    assertSameSiteIntent(req);
    const principal = await principalOfSession(deps.db, token, deps.config.SESSION_IDLE_TIMEOUT_MS);
    if (!principal) throw unauthenticated("your session has ended or is not known: sign in again");
    return principal;
  }
  if (!email || !developerKey) throw unauthenticated();
  // req.ip is the socket's peer unless TRUST_PROXY names the proxies in front (app.ts).
  const principal = await signIn(deps.db, deps.signInThrottle, { email, developerKey, clientAddress: req.ip }, deps.principalCache);
  if (!principal) throw unauthenticated();
  return principal;
}

export function requireAccess(deps: AuthDeps, access: Access) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (access === "public") return next();
    req.principal = await resolvePrincipal(deps, req);
    req.log = req.log.child({ userId: req.principal.userId });
    if (access === "admin" && !req.principal.systemAdmin) throw forbidden();
    next();
  };
}
