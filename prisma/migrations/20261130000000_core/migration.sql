-- CreateEnum
CREATE TYPE "FeatureFlag" AS ENUM ('PROMOTION_EVENTS', 'SCAN_EVENTS');

-- CreateEnum
CREATE TYPE "EventType" AS ENUM ('CREATE', 'READ', 'UPDATE', 'DELETE', 'PROMOTE', 'REQUEST_SCAN');

-- CreateEnum
CREATE TYPE "ResourceType" AS ENUM ('REGISTERED_MODEL', 'MODEL_VERSION', 'BUILD');

-- CreateEnum
CREATE TYPE "WebhookStatus" AS ENUM ('ACTIVE', 'DISABLED');

-- CreateEnum
CREATE TYPE "CallStatus" AS ENUM ('UNKNOWN', 'SUCCESS', 'FAILURE', 'IN_PROGRESS');

-- CreateTable
CREATE TABLE "workspaces" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workspaces_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "developer_key_hash" TEXT NOT NULL,
    "system_admin" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workspace_memberships" (
    "user_id" INTEGER NOT NULL,
    "workspace_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workspace_memberships_pkey" PRIMARY KEY ("user_id","workspace_id")
);

-- CreateTable
CREATE TABLE "workspace_feature_flags" (
    "workspace_id" INTEGER NOT NULL,
    "flag" "FeatureFlag" NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "workspace_feature_flags_pkey" PRIMARY KEY ("workspace_id","flag")
);

-- CreateTable
CREATE TABLE "webhooks" (
    "id" SERIAL NOT NULL,
    "workspace_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "encrypted_secret" TEXT,
    "event_types" "EventType"[],
    "all_events" BOOLEAN NOT NULL,
    "resource_types" "ResourceType"[],
    "status" "WebhookStatus" NOT NULL DEFAULT 'ACTIVE',
    "disabled_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" SERIAL NOT NULL,
    "uuid" TEXT NOT NULL,
    "workspace_id" INTEGER NOT NULL,
    "event_type" "EventType" NOT NULL,
    "resource_type" "ResourceType" NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "enqueued_at" TIMESTAMP(3),
    "fanned_out_at" TIMESTAMP(3),

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_calls" (
    "id" SERIAL NOT NULL,
    "event_id" INTEGER NOT NULL,
    "webhook_id" INTEGER NOT NULL,
    "retrigger_of_id" INTEGER,
    "status" "CallStatus" NOT NULL DEFAULT 'UNKNOWN',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "webhook_calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_call_attempts" (
    "id" SERIAL NOT NULL,
    "call_id" INTEGER NOT NULL,
    "attempt_number" INTEGER NOT NULL,
    "status_code" INTEGER NOT NULL,
    "response_body" TEXT NOT NULL,
    "response_headers" JSONB NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "error" TEXT,
    "started_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "webhook_call_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "workspaces_name_key" ON "workspaces"("name");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "workspace_memberships_workspace_id_idx" ON "workspace_memberships"("workspace_id");

-- CreateIndex
CREATE UNIQUE INDEX "webhooks_workspace_id_name_key" ON "webhooks"("workspace_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "events_uuid_key" ON "events"("uuid");

-- CreateIndex
CREATE INDEX "events_fanned_out_at_created_at_idx" ON "events"("fanned_out_at", "created_at");

-- CreateIndex
CREATE INDEX "webhook_calls_webhook_id_created_at_idx" ON "webhook_calls"("webhook_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_calls_status_next_attempt_at_idx" ON "webhook_calls"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_call_attempts_call_id_attempt_number_key" ON "webhook_call_attempts"("call_id", "attempt_number");

-- Fan-out is idempotent: one call per event x webhook; retriggers (retrigger_of_id set) are extra.
-- Partial, so Prisma's schema cannot express it; it lives only here.
CREATE UNIQUE INDEX "webhook_calls_event_id_webhook_id_fanout_key" ON "webhook_calls"("event_id", "webhook_id") WHERE "retrigger_of_id" IS NULL;

-- AddForeignKey
ALTER TABLE "workspace_memberships" ADD CONSTRAINT "workspace_memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_memberships" ADD CONSTRAINT "workspace_memberships_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_feature_flags" ADD CONSTRAINT "workspace_feature_flags_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_calls" ADD CONSTRAINT "webhook_calls_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_calls" ADD CONSTRAINT "webhook_calls_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_call_attempts" ADD CONSTRAINT "webhook_call_attempts_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "webhook_calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;
