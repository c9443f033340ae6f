import { notFound } from "@modelhooks/contracts";
import { Prisma, type Db } from "@modelhooks/db";
import { PendingEvents, type OutboxDeps } from "@modelhooks/events";
import { canSeeWorkspace, type Principal } from "@modelhooks/identity";

export type RegistryDeps = OutboxDeps;
export type Tx = Prisma.TransactionClient;

/** A workspace by name, if the caller may see it; 404 otherwise, as if it did not exist. */
export async function visibleWorkspaceByName(tx: Tx | Db, principal: Principal, name: string) {
  const workspace = await tx.workspace.findUnique({ where: { name } });
  if (!workspace || !canSeeWorkspace(principal, workspace.id)) throw notFound(`workspace ${name}`);
  return workspace;
}

export async function visibleModel(tx: Tx | Db, principal: Principal, id: number) {
  const model = await tx.registeredModel.findUnique({ where: { id }, include: { workspace: true } });
  if (!model || !canSeeWorkspace(principal, model.workspaceId)) throw notFound(`registered model ${id}`);
  return model;
}

export async function visibleVersion(tx: Tx | Db, principal: Principal, id: number) {
  const version = await tx.modelVersion.findUnique({ where: { id }, include: { registeredModel: { include: { workspace: true } } } });
  if (!version || !canSeeWorkspace(principal, version.registeredModel.workspaceId)) throw notFound(`model version ${id}`);
  return version;
}

/** Serialises concurrent work on one version (scan requests, approvals) for the transaction's length. */
export const LOCK_VERSION = (id: number) => Prisma.sql`SELECT id FROM model_versions WHERE id = ${id} FOR UPDATE`;

export async function lockVersion(tx: Tx, id: number): Promise<void> {
  await tx.$queryRaw(LOCK_VERSION(id));
}

/** Runs a change and the events it records in one transaction, then enqueues the events. */
export async function changeWithEvents<T>(deps: RegistryDeps, change: (tx: Tx, events: PendingEvents) => Promise<T>): Promise<T> {
  const events = new PendingEvents();
  const result = await deps.db.$transaction((tx) => change(tx, events));
  await events.enqueue(deps, "registry");
  return result;
}
