import type { Response } from "express";
import { signInBody } from "@modelhooks/contracts";
import { describeSignedInUser, endSession, SESSION_COOKIE, signIn, startSession } from "@modelhooks/identity";
import type { ApiDeps } from "../api-deps.js";
import { unauthenticated } from "../http-errors.js";
import { assertSameSiteIntent, sessionToken } from "../middleware/authenticate.js";
import { defineRoute } from "../route-table.js";

function cookieOptions(deps: ApiDeps) {
  // Strict: a link from another site opens the console signed out rather than carrying the cookie.
  return { httpOnly: true, sameSite: "strict", secure: deps.config.NODE_ENV === "production", path: "/" } as const;
}

function clearSessionCookie(deps: ApiDeps, res: Response) {
  res.clearCookie(SESSION_COOKIE, cookieOptions(deps));
}

/** The console's sign-in and sign-out (docs/security.md, "Sessions"); header credentials need neither. */
export const authRoutes = [
  defineRoute({
    method: "post",
    path: "/session",
    summary: "Sign in with email and developer key; sets the session cookie the console uses",
    access: "public",
    body: signInBody,
    handler: async ({ deps, req, res, body }) => {
      // Also here: a forged sign-in would put the victim's browser in the attacker's account.
      assertSameSiteIntent(req);
      const principal = await signIn(
        deps.db,
        deps.signInThrottle,
        { email: body.email, developerKey: body.developer_key, clientAddress: req.ip },
        deps.principalCache,
      );
      if (!principal) throw unauthenticated("wrong email or developer key");
      const token = await startSession(deps.db, principal.userId, deps.config.SESSION_IDLE_TIMEOUT_MS);
      res.cookie(SESSION_COOKIE, token, cookieOptions(deps));
      return { user: await describeSignedInUser(deps.db, principal) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/session",
    summary: "Who is signed in (by session cookie or header credentials), with the workspaces they may open",
    access: "member",
    handler: async ({ deps, principal }) => ({ user: await describeSignedInUser(deps.db, principal) }),
  }),
  defineRoute({
    method: "delete",
    path: "/session",
    summary: "Sign out: ends the session and clears its cookie (nothing to do without one)",
    access: "public",
    handler: async ({ deps, req, res }) => {
      const token = sessionToken(req);
      if (token !== undefined) {
        assertSameSiteIntent(req);
        await endSession(deps.db, token);
      }
      clearSessionCookie(deps, res);
      return {};
    },
  }),
];
