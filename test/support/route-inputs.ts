import type supertest from "supertest";
import { createUser } from "@modelhooks/identity";
import type { HttpMethod, RouteDef } from "../../apps/api/src/route-table.js";
import { routeGroups } from "../../apps/api/src/routes/route-groups.js";
import type { Caller, Harness } from "./harness.js";

// Valid input for every route of the route table, built from one workspace's worth of fixtures.
// The authorization matrix and the input fuzzer both start from these; the matrix checks that
// every route has an entry, so a new route cannot be added without one.

/** Everything of workspace A a route can refer to. */
export interface RouteFixture {
  /** A suffix that makes names created from this fixture unique. */
  unique: string;
  workspace: { id: number; name: string };
  /** A member of A: the "member" caller. Authors `ownTransitionId`. */
  member: Caller & { id: number };
  /** Another member of A: authors `transitionId`, so the member caller may approve or reject it. */
  author: Caller & { id: number };
  /** event_types [CREATE]; its location refuses connections (port 9), so triggerTest answers status_code 0. */
  webhookId: number;
  eventUuid: string;
  callId: number;
  modelId: number;
  modelName: string;
  /** UNASSIGNED, with a READY build `buildId` whose scan is in progress. */
  versionId: number;
  /** PENDING, UNASSIGNED → STAGING, authored by `author`. */
  transitionId: number;
  /** PENDING, UNASSIGNED → DEVELOPMENT, authored by `member`. */
  ownTransitionId: number;
  buildId: number;
  /** In PRODUCTION, its promotion FAILED (PROMOTION_EVENTS on): the retry route's input. */
  failedPromotionVersionId: number;
  /** The member's own unread notification. */
  notificationId: number;
}

export interface RouteInput {
  params: Record<string, string | number>;
  /** Absent for routes without a body (GET, DELETE by path). */
  body?: Record<string, unknown>;
}

export interface TableRoute {
  group: string;
  prefixes: string[];
  route: RouteDef;
  key: string;
}

/** The key of a route in ROUTE_INPUTS: method and path as the table spells it, without prefix. */
export const routeKey = (route: Pick<RouteDef, "method" | "path">) => `${route.method.toUpperCase()} ${route.path}`;

/** Every route of the table, once, with the prefixes it is mounted at. */
export const tableRoutes: TableRoute[] = routeGroups.flatMap((group) =>
  group.routes.map((route) => ({ group: group.name, prefixes: group.prefixes, route, key: routeKey(route) })),
);

/** The `:name` parameters a route path declares. */
export const pathParams = (path: string) => [...path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);

/** The path with each `:name` replaced by its (URL-encoded) value. */
export function fillPath(path: string, params: Record<string, string | number>): string {
  return path.replace(/:(\w+)/g, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter :${name} of ${path}`);
    return encodeURIComponent(String(value));
  });
}

/** Valid input per route, keyed by routeKey. Names are made unique so a case can run more than once. */
export const ROUTE_INPUTS: Record<string, (fx: RouteFixture) => RouteInput> = {
  // EventService
  "POST /createWebhook": (fx) => ({
    params: {},
    body: {
      name: `hook-${fx.unique}`,
      workspace_id: fx.workspace.id,
      location: "https://example.com/hook",
      all_events: true,
      headers: { Authorization: "Bearer fixture-token" },
      registered_model_ids: [fx.modelId],
      max_deliveries_per_second: 50,
    },
  }),
  "POST /updateWebhook": (fx) => ({
    params: {},
    body: {
      id: fx.webhookId,
      new_location: "https://example.com/changed",
      headers: { "X-Fixture": "1" },
      registered_model_ids: [fx.modelId],
      max_deliveries_per_second: 50,
    },
  }),
  "POST /rotateWebhookSecret": (fx) => ({ params: {}, body: { webhook_id: fx.webhookId, overlap_seconds: 3600 } }),
  "POST /findWebhook": (fx) => ({ params: {}, body: { ids: [fx.webhookId] } }),
  "DELETE /deleteWebhook": (fx) => ({ params: {}, body: { ids: [fx.webhookId] } }),
  "POST /deleteWebhook": (fx) => ({ params: {}, body: { ids: [fx.webhookId] } }),
  "POST /createEvent": (fx) => ({
    params: {},
    body: {
      event_uuid: `event-${fx.unique}`,
      event_type: "CREATE",
      workspace_id: fx.workspace.id,
      resource_type: "REGISTERED_MODEL",
      new_entity: { registered_model: { id: fx.modelId, name: fx.modelName } },
    },
  }),
  "POST /findWebhookCall": (fx) => ({ params: {}, body: { ids: [fx.callId] } }),
  "POST /retriggerWebhookCall": (fx) => ({ params: {}, body: { call_id: fx.callId } }),
  "POST /triggerTest": (fx) => ({ params: {}, body: { webhook_id: fx.webhookId } }),
  "POST /findEvents": (fx) => ({ params: {}, body: { event_uuids: [fx.eventUuid] } }),
  "POST /recoverWebhookCalls": (fx) => ({
    params: {},
    body: { webhook_id: fx.webhookId, since: new Date(Date.now() - 60 * 60 * 1000).toISOString() },
  }),

  // Admin
  "GET /workspaces": () => ({ params: {} }),
  "GET /users": () => ({ params: {} }),
  "POST /workspaces": (fx) => ({ params: {}, body: { name: `new-ws-${fx.unique}` } }),
  "POST /users": (fx) => ({ params: {}, body: { email: `new-user-${fx.unique}@example.test`, workspace_ids: [fx.workspace.id] } }),
  "PUT /workspaces/:workspace_id/feature-flags/:flag": (fx) => ({
    params: { workspace_id: fx.workspace.id, flag: "PROMOTION_EVENTS" },
    body: { enabled: true },
  }),
  "PUT /workspaces/:workspace_id/settings": (fx) => ({ params: { workspace_id: fx.workspace.id }, body: { require_safe_scan: true } }),

  // Registry
  "POST /workspaces/:workspace_name/registered_models": (fx) => ({
    params: { workspace_name: fx.workspace.name },
    body: { name: `model-${fx.unique}`, description: "a new model", labels: ["fresh"] },
  }),
  "GET /workspaces/:workspace_name/registered_models": (fx) => ({ params: { workspace_name: fx.workspace.name } }),
  "GET /workspaces/:workspace_name/registered_models/:name": (fx) => ({
    params: { workspace_name: fx.workspace.name, name: fx.modelName },
  }),
  "GET /registered_models/:rm_id": (fx) => ({ params: { rm_id: fx.modelId } }),
  "PATCH /registered_models/:rm_id": (fx) => ({ params: { rm_id: fx.modelId }, body: { description: "changed" } }),
  "DELETE /registered_models/:rm_id": (fx) => ({ params: { rm_id: fx.modelId } }),
  "GET /registered_models/:rm_id/model_versions": (fx) => ({ params: { rm_id: fx.modelId } }),
  "POST /registered_models/:rm_id/model_versions": (fx) => ({
    params: { rm_id: fx.modelId },
    body: { version: `v-${fx.unique}`, labels: ["candidate"] },
  }),
  "GET /model_versions/:mv_id": (fx) => ({ params: { mv_id: fx.versionId } }),
  "PATCH /registered_models/:rm_id/model_versions/:mv_id": (fx) => ({
    params: { rm_id: fx.modelId, mv_id: fx.versionId },
    body: { description: "changed", labels: ["x"] },
  }),
  "DELETE /model_versions/:mv_id": (fx) => ({ params: { mv_id: fx.versionId } }),
  "POST /model_versions/:mv_id/scan": (fx) => ({ params: { mv_id: fx.versionId }, body: {} }),
  "GET /model_versions/:mv_id/builds": (fx) => ({ params: { mv_id: fx.versionId } }),
  "POST /model_versions/:mv_id/promotion/retry": (fx) => ({ params: { mv_id: fx.failedPromotionVersionId } }),

  // StageService
  "POST /createTransition": (fx) => ({ params: {}, body: { model_version_id: fx.versionId, desired_stage: "STAGING", comment: "please" } }),
  "POST /approveTransition": (fx) => ({ params: {}, body: { transition_id: fx.transitionId, comment: "lgtm" } }),
  "POST /rejectTransition": (fx) => ({ params: {}, body: { transition_id: fx.transitionId, comment: "not yet" } }),
  "POST /closeTransition": (fx) => ({ params: {}, body: { transition_id: fx.ownTransitionId, comment: "withdrawn" } }),
  "POST /updateStage": (fx) => ({ params: {}, body: { model_version_id: fx.versionId, stage: "STAGING", comment: "direct" } }),
  "POST /findTransitions": (fx) => ({ params: {}, body: { model_version_id: fx.versionId } }),

  // Deployment
  "POST /workspace/:workspace/builds": (fx) => ({
    params: { workspace: fx.workspace.name },
    body: { model_version_id: fx.versionId, scan_external: false },
  }),
  "POST /workspace/:workspace/builds/:build_id/scan": (fx) => ({
    params: { workspace: fx.workspace.name, build_id: fx.buildId },
    body: { scan_external: true },
  }),
  "PUT /workspace/:workspace/builds/:build_id/scan": (fx) => ({
    params: { workspace: fx.workspace.name, build_id: fx.buildId },
    body: {
      scan_status: "scanned",
      scan_external_results: { url: `https://scanner.example.com/reports/${fx.buildId}`, safety_status: "safe" },
    },
  }),
  "GET /builds/:build_id/scan": (fx) => ({ params: { build_id: fx.buildId } }),
  "GET /builds/:build_id": (fx) => ({ params: { build_id: fx.buildId } }),

  // Auth: signing in takes the credentials in the body, whoever sends the request.
  "POST /session": (fx) => ({ params: {}, body: { email: fx.member.email, developer_key: fx.member.key } }),
  "GET /session": () => ({ params: {} }),
  "DELETE /session": () => ({ params: {} }),

  // Notifications
  "GET /": () => ({ params: {} }),
  "POST /:id/read": (fx) => ({ params: { id: fx.notificationId } }),
  "POST /read-all": () => ({ params: {} }),
};

let fixtureCounter = 0;

/**
 * A fresh workspace A with one of everything, inserted directly (quicker than through the API,
 * and builds need no worker); users get their developer keys from the identity package, as the
 * admin route does.
 */
export async function createRouteFixture(h: Harness): Promise<RouteFixture> {
  const unique = `${process.pid}-${Date.now().toString(36)}-${++fixtureCounter}`;
  const db = h.api.db;
  const modelName = `model-a-${unique}`;
  const workspace = await db.workspace.create({
    data: {
      name: `ws-a-${unique}`,
      webhooks: {
        create: {
          name: `hook-a-${unique}`,
          location: "http://127.0.0.1:9/never",
          eventTypes: ["CREATE"],
          allEvents: false,
          resourceTypes: [],
        },
      },
      registeredModels: {
        create: {
          name: modelName,
          description: "fixture",
          labels: [],
          modelVersions: {
            create: {
              version: "1",
              labels: [],
              // Scanning: a verdict (PUT …/scan) is accepted only for a scan in progress.
              builds: {
                create: {
                  status: "READY",
                  imageUrl: `registry.example.com/${modelName}:1`,
                  finishedAt: new Date(),
                  scanRequested: true,
                  scanStatus: "SCANNING",
                },
              },
            },
          },
        },
      },
    },
    include: { webhooks: true, registeredModels: { include: { modelVersions: { include: { builds: true } } } } },
  });
  const webhook = workspace.webhooks[0];
  const model = workspace.registeredModels[0];
  const version = model?.modelVersions[0];
  const build = version?.builds[0];
  if (!webhook || !model || !version || !build) throw new Error("createRouteFixture: nested create returned no rows");
  const user = async (role: string) => {
    const email = `${role}-${unique}@example.test`;
    const created = await createUser(db, { email, workspaceIds: [workspace.id], systemAdmin: false });
    return { id: created.id, email, key: created.developerKey };
  };
  const [member, author] = await Promise.all([user("member"), user("author")]);
  const eventUuid = `fixture-${unique}`;
  const transition = (authorId: number, desiredStage: "STAGING" | "DEVELOPMENT") =>
    db.stageTransition.create({
      data: {
        modelVersionId: version.id,
        authorId,
        sourceStage: "UNASSIGNED",
        desiredStage,
        activities: { create: { modelVersionId: version.id, authorId, comment: "requested" } },
      },
    });
  const [event, byAuthor, byMember] = await Promise.all([
    db.event.create({
      data: {
        uuid: eventUuid,
        workspaceId: workspace.id,
        eventType: "CREATE",
        resourceType: "REGISTERED_MODEL",
        timestamp: new Date(),
        payload: { original_entity: null, new_entity: null },
        calls: { create: { webhookId: webhook.id, status: "FAILURE", attempts: 1 } },
      },
      include: { calls: true },
    }),
    transition(author.id, "STAGING"),
    transition(member.id, "DEVELOPMENT"),
  ]);
  const call = event.calls[0];
  if (!call) throw new Error("createRouteFixture: nested create returned no call");
  const promoted = await db.modelVersion.create({
    data: {
      registeredModelId: model.id,
      version: "2",
      labels: [],
      stage: "PRODUCTION",
      promotionStatus: "FAILED",
      promotionMessage: "the deployment pipeline answered 500 8 times",
      transitions: {
        create: { authorId: author.id, sourceStage: "STAGING", desiredStage: "PRODUCTION", state: "APPROVED", decidedById: member.id },
      },
    },
    include: { transitions: true },
  });
  const [failedPromotion, notification] = await Promise.all([
    db.modelVersion.update({ where: { id: promoted.id }, data: { promotionTransitionId: promoted.transitions[0]?.id ?? null } }),
    db.notification.create({
      data: { userId: member.id, kind: "PROMOTION_FAILED", title: "Promotion failed", body: "fixture", modelVersionId: version.id },
    }),
    db.workspaceFeatureFlag.create({ data: { workspaceId: workspace.id, flag: "PROMOTION_EVENTS", enabled: true } }),
  ]);
  return {
    unique,
    workspace: { id: workspace.id, name: workspace.name },
    member,
    author,
    webhookId: webhook.id,
    eventUuid,
    callId: call.id,
    modelId: model.id,
    modelName,
    versionId: version.id,
    transitionId: byAuthor.id,
    ownTransitionId: byMember.id,
    buildId: build.id,
    failedPromotionVersionId: failedPromotion.id,
    notificationId: notification.id,
  };
}

/**
 * One request with a caller's Verta headers (none when caller is null). A string or Buffer
 * body is sent byte for byte as application/json; undefined sends no body.
 */
export function sendAs(h: Harness, method: HttpMethod, path: string, body: unknown, caller: Caller | null): supertest.Test {
  // As the console sends every request: harmless with header credentials, needed with a cookie.
  let request = h.request[method](path).set("x-modelhooks-csrf", "1");
  if (caller) request = request.set("grpc-metadata-email", caller.email).set("grpc-metadata-developer_key", caller.key);
  if (body === undefined) return request;
  if (typeof body === "string" || Buffer.isBuffer(body)) return request.set("content-type", "application/json").send(body);
  return request.send(body as object);
}
