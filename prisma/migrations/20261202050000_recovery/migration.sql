-- recoverWebhookCalls: each request is kept with who made it, and every call it creates points
-- at the request and at the failed call it sends again (docs/api.md).

-- CreateTable
CREATE TABLE "recovery_requests" (
    "id" SERIAL NOT NULL,
    "webhook_id" INTEGER NOT NULL,
    "requested_by_id" INTEGER,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,
    "expected" INTEGER NOT NULL,
    "recovered" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "recovery_requests_pkey" PRIMARY KEY ("id")
);

ALTER TABLE "webhook_calls" ADD COLUMN "recovery_id" INTEGER;

-- A failed call is sent again by a recovery at most once, however many requests or workers try
-- (not expressible in Prisma's schema: partial index).
CREATE UNIQUE INDEX "webhook_calls_recovered_once" ON "webhook_calls"("retrigger_of_id") WHERE "recovery_id" IS NOT NULL;

-- CreateIndex
CREATE INDEX "recovery_requests_finished_at_idx" ON "recovery_requests"("finished_at");

-- AddForeignKey
ALTER TABLE "recovery_requests" ADD CONSTRAINT "recovery_requests_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "recovery_requests" ADD CONSTRAINT "recovery_requests_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "webhook_calls" ADD CONSTRAINT "webhook_calls_recovery_id_fkey" FOREIGN KEY ("recovery_id") REFERENCES "recovery_requests"("id") ON DELETE SET NULL ON UPDATE CASCADE;
