import { z } from "zod";
import { USER_AGENT } from "@modelhooks/webhooks";
import type { RouteGroup } from "../route-table.js";

const errorSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        details: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
      },
    },
  },
};

function parametersOf(schema: z.ZodType | undefined, where: "path" | "query") {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: property,
  }));
}

/** The OpenAPI document, generated from the same route table and Zod schemas that validate requests. */
export function openApiDocument(groups: RouteGroup[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const group of groups) {
    for (const prefix of group.prefixes) {
      for (const route of group.routes) {
        const path = `${prefix}${route.path}`.replace(/:(\w+)/g, "{$1}");
        const parameters = [...parametersOf(route.params, "path"), ...parametersOf(route.query, "query")];
        paths[path] ??= {};
        paths[path][route.method] = {
          tags: [group.name],
          summary: route.summary,
          ...(parameters.length ? { parameters } : {}),
          ...(route.body
            ? {
                requestBody: {
                  required: true,
                  content: { "application/json": { schema: z.toJSONSchema(route.body, { io: "input", unrepresentable: "any" }) } },
                },
              }
            : {}),
          security: route.access === "public" ? [] : [{ vertaEmail: [], vertaDeveloperKey: [] }, { bearer: [] }],
          responses: {
            [String(route.status ?? 200)]: { description: "success" },
            "400": { description: "invalid input", content: { "application/json": { schema: errorSchema } } },
            ...(route.access !== "public"
              ? {
                  "401": { description: "missing or wrong credentials" },
                  "429": { description: "too many failed sign-ins from this address or for this email; see Retry-After" },
                }
              : {}),
            ...(route.access === "admin" ? { "403": { description: "system admin only" } } : {}),
            "404": { description: "not found, or not visible to the caller" },
          },
        };
      }
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "modelhooks",
      version: USER_AGENT.split("/")[1],
      description: "Events and webhooks of the model registry (Verta EventService compatible)",
    },
    components: {
      securitySchemes: {
        vertaEmail: { type: "apiKey", in: "header", name: "grpc-metadata-email" },
        vertaDeveloperKey: { type: "apiKey", in: "header", name: "grpc-metadata-developer_key" },
        bearer: { type: "http", scheme: "bearer" },
      },
    },
    paths,
  };
}
