import {
  activityView,
  approveTransition,
  closeTransition,
  createTransition,
  findTransitions,
  rejectTransition,
  updateStage,
} from "@modelhooks/registry";
import { defineRoute } from "../route-table.js";
import { createTransitionBody, decideTransitionBody, findTransitionsBody, updateStageBody } from "@modelhooks/contracts";

/** Verta's StageService (docs/api.md, StageService): each answers an Activity. */
export const stageRoutes = [
  defineRoute({
    method: "post",
    path: "/createTransition",
    summary: "Ask for a model version to move to a stage",
    access: "member",
    body: createTransitionBody,
    handler: async ({ deps, principal, body }) => activityView(await createTransition(deps, principal, body)),
  }),
  defineRoute({
    method: "post",
    path: "/approveTransition",
    summary: "Approve a transition (a member other than its author); to PRODUCTION with PROMOTION_EVENTS on, emits PROMOTE",
    access: "member",
    body: decideTransitionBody,
    handler: async ({ deps, principal, body }) => activityView(await approveTransition(deps, principal, body)),
  }),
  defineRoute({
    method: "post",
    path: "/rejectTransition",
    summary: "Reject a transition (a member other than its author)",
    access: "member",
    body: decideTransitionBody,
    handler: async ({ deps, principal, body }) => activityView(await rejectTransition(deps, principal, body)),
  }),
  defineRoute({
    method: "post",
    path: "/closeTransition",
    summary: "Withdraw a transition (its author or a system admin)",
    access: "member",
    body: decideTransitionBody,
    handler: async ({ deps, principal, body }) => activityView(await closeTransition(deps, principal, body)),
  }),
  defineRoute({
    method: "post",
    path: "/updateStage",
    summary: "Move a version to any stage but PRODUCTION directly (system admin)",
    access: "admin",
    body: updateStageBody,
    handler: async ({ deps, principal, body }) => activityView(await updateStage(deps, principal, body)),
  }),
  defineRoute({
    method: "post",
    path: "/findTransitions",
    summary: "A version's transitions, newest first, optionally by state",
    access: "member",
    body: findTransitionsBody,
    handler: async ({ deps, principal, body }) => ({ activities: (await findTransitions(deps, principal, body)).map(activityView) }),
  }),
];
