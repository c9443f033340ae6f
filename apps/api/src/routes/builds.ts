import { buildView, createBuild, getBuild, recordScanResult, requestBuildScan, scanView } from "@modelhooks/registry";
import { defineRoute } from "../route-table.js";
import {
  buildIdParams,
  createBuildBody,
  requestBuildScanBody,
  scanResultBody,
  workspaceBuildParams,
  workspaceParams,
} from "@modelhooks/contracts";

/** Verta's deployment routes used by the external-scan flow (docs/api.md, Deployment). */
export const buildRoutes = [
  defineRoute({
    method: "post",
    path: "/workspace/:workspace/builds",
    summary: "Start a build of a model version; with scan_external, REQUEST_SCAN goes out when it is ready",
    access: "member",
    params: workspaceParams,
    body: createBuildBody,
    handler: async ({ deps, principal, params, body }) => buildView(await createBuild(deps, principal, params.workspace, body)),
  }),
  defineRoute({
    method: "post",
    path: "/workspace/:workspace/builds/:build_id/scan",
    summary: "Request an external scan of a build",
    access: "member",
    params: workspaceBuildParams,
    body: requestBuildScanBody,
    handler: async ({ deps, principal, params }) => scanView(await requestBuildScan(deps, principal, params.workspace, params.build_id)),
  }),
  defineRoute({
    method: "put",
    path: "/workspace/:workspace/builds/:build_id/scan",
    summary:
      "The scanner's result: safe or unsafe, with a link to its report (system admin: the scanner's credentials); only while a scan is in progress",
    access: "admin",
    params: workspaceBuildParams,
    body: scanResultBody,
    handler: async ({ deps, principal, params, body }) =>
      scanView(await recordScanResult(deps, principal, params.workspace, params.build_id, body.scan_external_results)),
  }),
  defineRoute({
    method: "get",
    path: "/builds/:build_id/scan",
    summary: "A build's scan status and result",
    access: "member",
    params: buildIdParams,
    handler: async ({ deps, principal, params }) => scanView(await getBuild(deps, principal, params.build_id)),
  }),
  defineRoute({
    method: "get",
    path: "/builds/:build_id",
    summary: "A build",
    access: "member",
    params: buildIdParams,
    handler: async ({ deps, principal, params }) => buildView(await getBuild(deps, principal, params.build_id)),
  }),
];
