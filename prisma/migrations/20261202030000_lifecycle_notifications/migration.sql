-- Promotions and scans end in a state people see, and people are told (docs/lifecycles.md).

-- A version that never had a promotion is NONE, not NULL.
UPDATE "model_versions" SET "promotion_status" = 'NONE' WHERE "promotion_status" IS NULL;
ALTER TABLE "model_versions"
  ALTER COLUMN "promotion_status" SET DEFAULT 'NONE',
  ALTER COLUMN "promotion_status" SET NOT NULL,
  ADD COLUMN "promotion_updated_at" TIMESTAMPTZ(3),
  ADD COLUMN "promotion_event_id" INTEGER,
  ADD COLUMN "promotion_transition_id" INTEGER;
UPDATE "model_versions" SET "promotion_updated_at" = "updated_at" WHERE "promotion_status" <> 'NONE';

ALTER TABLE "stage_transitions" ADD COLUMN "decided_by_id" INTEGER;

-- A scan asked for while its build is still building shows as building.
UPDATE "builds" SET "scan_status" = 'BUILDING' WHERE "status" = 'BUILDING' AND "scan_requested" AND "scan_status" = 'UNSCANNED';
ALTER TABLE "builds"
  ADD COLUMN "scan_requested_by_id" INTEGER,
  ADD COLUMN "scan_event_id" INTEGER,
  ADD COLUMN "scan_started_at" TIMESTAMPTZ(3);

-- CreateEnum
CREATE TYPE "NotificationKind" AS ENUM ('PROMOTION_COMPLETE', 'PROMOTION_FAILED', 'SCAN_SAFE', 'SCAN_UNSAFE', 'SCAN_ERROR', 'WEBHOOK_DISABLED', 'WEBHOOK_CALL_FAILED');

-- CreateTable
CREATE TABLE "notifications" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "kind" "NotificationKind" NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "model_version_id" INTEGER,
    "build_id" INTEGER,
    "webhook_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "read_at" TIMESTAMPTZ(3),

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "notifications_user_id_created_at_idx" ON "notifications"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "notifications_webhook_id_kind_created_at_idx" ON "notifications"("webhook_id", "kind", "created_at");

-- AddForeignKey
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_promotion_event_id_fkey" FOREIGN KEY ("promotion_event_id") REFERENCES "events"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_promotion_transition_id_fkey" FOREIGN KEY ("promotion_transition_id") REFERENCES "stage_transitions"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "stage_transitions" ADD CONSTRAINT "stage_transitions_decided_by_id_fkey" FOREIGN KEY ("decided_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "builds" ADD CONSTRAINT "builds_scan_requested_by_id_fkey" FOREIGN KEY ("scan_requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "builds" ADD CONSTRAINT "builds_scan_event_id_fkey" FOREIGN KEY ("scan_event_id") REFERENCES "events"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE SET NULL ON UPDATE CASCADE;
