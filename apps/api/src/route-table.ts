import { Router, type Request, type Response } from "express";
import type { z } from "zod";
import type { Principal } from "@modelhooks/identity";
import type { ApiDeps } from "./api-deps.js";
import { ApiError } from "./http-errors.js";
import { requireAccess, type Access } from "./middleware/authenticate.js";
import { assertStorable } from "./middleware/storable-input.js";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export interface RouteContext<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType = z.ZodType> {
  deps: ApiDeps;
  req: Request;
  res: Response;
  principal: Principal;
  body: z.output<B>;
  params: z.output<P>;
  query: z.output<Q>;
}

/**
 * One row per route: it drives the router, the 405s, the OpenAPI document and the authorization
 * matrix test, so a route cannot exist without validation, an access rule and documentation.
 */
export interface RouteDef<B extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  path: string;
  summary: string;
  access: Access;
  body?: B;
  params?: P;
  /** The query string's parameters (GET routes that filter or page). */
  query?: Q;
  /** Status of a successful answer (200 unless said). */
  status?: number;
  handler: (ctx: RouteContext<B, P, Q>) => Promise<unknown>;
}

export interface RouteGroup {
  name: string;
  prefixes: string[];
  routes: RouteDef[];
}

/** Keeps each route's own body/params types while collecting them in one table. */
export function defineRoute<B extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType>(
  route: RouteDef<B, P, Q>,
): RouteDef {
  return route;
}

export function buildRouter(deps: ApiDeps, routes: RouteDef[]): Router {
  const router = Router();
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of routes) {
    methodsByPath.set(route.path, (methodsByPath.get(route.path) ?? new Set()).add(route.method.toUpperCase()));
    router[route.method](route.path, requireAccess(deps, route.access), async (req, res) => {
      assertStorable(req.params);
      const params = route.params ? route.params.parse(req.params) : req.params;
      if (route.body) assertStorable(req.body);
      const body = route.body ? route.body.parse(req.body ?? {}) : undefined;
      if (route.query) assertStorable(req.query);
      const query = route.query ? route.query.parse(req.query) : undefined;
      const result = await route.handler({ deps, req, res, principal: req.principal as Principal, body, params, query });
      res.status(route.status ?? 200).json(result ?? {});
    });
  }
  for (const [path, methods] of methodsByPath) {
    router.all(path, (_req, res) => {
      res.setHeader("allow", [...methods].join(", "));
      throw new ApiError(405, "method_not_allowed", `method not allowed; use ${[...methods].join(" or ")}`);
    });
  }
  return router;
}
