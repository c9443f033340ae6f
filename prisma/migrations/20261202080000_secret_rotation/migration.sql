-- rotateWebhookSecret: the secret a rotation replaced keeps signing, beside the new one, until its
-- overlap ends; then the relay's sweep erases it (docs/decisions.md, "Secret rotation").

-- CreateTable
CREATE TABLE "webhook_previous_secrets" (
    "id" SERIAL NOT NULL,
    "webhook_id" INTEGER NOT NULL,
    "encrypted_secret" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_previous_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_previous_secrets_webhook_id_idx" ON "webhook_previous_secrets"("webhook_id");
CREATE INDEX "webhook_previous_secrets_expires_at_idx" ON "webhook_previous_secrets"("expires_at");

-- AddForeignKey
ALTER TABLE "webhook_previous_secrets" ADD CONSTRAINT "webhook_previous_secrets_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
