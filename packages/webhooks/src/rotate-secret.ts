import { randomBytes } from "node:crypto";
import { failedPrecondition, type RotateWebhookSecretInput } from "@modelhooks/contracts";
import { Prisma, type Db } from "@modelhooks/db";
import type { Principal } from "@modelhooks/identity";
import { findVisibleWebhook } from "./manage-webhooks.js";
import type { SecretBox } from "./secret-box.js";
import { signingPreviousSecretsInclude, type WebhookWithRotation } from "./webhook-view.js";

/** Secrets still signing beside the current one: each adds a signature to every delivery. */
export const MAX_PREVIOUS_SECRETS = 5;

export interface RotationDeps {
  db: Db;
  secretBox: SecretBox;
}

export interface Rotation {
  webhook: WebhookWithRotation;
  /** Only when it was generated: the one time anyone sees it. */
  generatedSecret?: string;
  /** When the replaced secret stops signing (absent when there was none, or no overlap). */
  previousSecretExpiresAt?: Date;
}

/** 256 random bits as base64url: the HMAC key is this text's UTF-8 bytes, like any mutual secret. */
export function generateSecret(): string {
  return randomBytes(32).toString("base64url");
}

// The webhook's row lock orders two rotations of one webhook, so each keeps the other's secret.
const LOCK_WEBHOOK = (id: number) => Prisma.sql`SELECT id FROM webhooks WHERE id = ${id} FOR UPDATE`;

/**
 * rotateWebhookSecret: the new secret signs from now on; the one it replaces keeps signing beside
 * it for `overlap_seconds`, so receivers can move to the new one without dropping a delivery
 * (docs/receivers.md). The replaced secret is kept sealed, as the current one is.
 */
export async function rotateWebhookSecret(deps: RotationDeps, principal: Principal, input: RotateWebhookSecretInput): Promise<Rotation> {
  const visible = await findVisibleWebhook(deps.db, principal, input.webhook_id);
  const secret = input.mutual_secret ?? generateSecret();
  return deps.db.$transaction(async (tx) => {
    await tx.$queryRaw(LOCK_WEBHOOK(visible.id));
    const current = await tx.webhook.findUniqueOrThrow({ where: { id: visible.id } });
    const now = new Date();
    let previousSecretExpiresAt: Date | undefined;
    if (current.encryptedSecret && input.overlap_seconds > 0) {
      const signing = await tx.webhookPreviousSecret.count({ where: { webhookId: current.id, expiresAt: { gt: now } } });
      if (signing >= MAX_PREVIOUS_SECRETS) {
        throw failedPrecondition(
          `webhook ${current.id} already has ${signing} rotated-out secrets still signing; wait for one to expire, or replace the secret at once with updateWebhook`,
          "webhook_id",
        );
      }
      previousSecretExpiresAt = new Date(now.getTime() + input.overlap_seconds * 1000);
      await tx.webhookPreviousSecret.create({
        data: { webhookId: current.id, encryptedSecret: current.encryptedSecret, expiresAt: previousSecretExpiresAt },
      });
    }
    const webhook = await tx.webhook.update({
      where: { id: current.id },
      data: { encryptedSecret: deps.secretBox.seal(secret) },
      include: signingPreviousSecretsInclude(),
    });
    return {
      webhook,
      ...(input.mutual_secret === undefined ? { generatedSecret: secret } : {}),
      ...(previousSecretExpiresAt ? { previousSecretExpiresAt } : {}),
    };
  });
}

/** Secrets whose overlap has ended leave the database (the relay runs this on its schedule). */
export async function eraseExpiredSecrets(db: Db, now = new Date()): Promise<number> {
  const { count } = await db.webhookPreviousSecret.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

/** The rotated-out secrets of a webhook still signing now, newest first, opened. */
export async function signingPreviousSecrets(db: Db, secretBox: SecretBox, webhookId: number): Promise<string[]> {
  const rows = await db.webhookPreviousSecret.findMany({
    where: { webhookId, expiresAt: { gt: new Date() } },
    orderBy: { expiresAt: "desc" },
    select: { encryptedSecret: true },
  });
  return rows.map((row) => secretBox.open(row.encryptedSecret));
}
