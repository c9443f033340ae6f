-- CreateEnum
CREATE TYPE "Stage" AS ENUM ('UNASSIGNED', 'DEVELOPMENT', 'STAGING', 'PRODUCTION', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "PromotionStatus" AS ENUM ('IN_PROGRESS', 'COMPLETE', 'FAILED');

-- CreateEnum
CREATE TYPE "TransitionState" AS ENUM ('PENDING', 'APPROVED', 'REJECTED', 'CLOSED');

-- CreateEnum
CREATE TYPE "BuildStatus" AS ENUM ('BUILDING', 'READY', 'FAILED');

-- CreateEnum
CREATE TYPE "ScanStatus" AS ENUM ('UNSCANNED', 'SCANNING', 'SCANNED', 'ERROR');

-- CreateEnum
CREATE TYPE "SafetyStatus" AS ENUM ('UNKNOWN', 'SAFE', 'UNSAFE');

-- AlterTable
ALTER TABLE "workspaces" ADD COLUMN "require_safe_scan" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "registered_models" (
    "id" SERIAL NOT NULL,
    "workspace_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "labels" TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "registered_models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_versions" (
    "id" SERIAL NOT NULL,
    "registered_model_id" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "labels" TEXT[],
    "stage" "Stage" NOT NULL DEFAULT 'UNASSIGNED',
    "promotion_status" "PromotionStatus",
    "promotion_message" TEXT,
    "redirect_metadata" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "model_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stage_transitions" (
    "id" SERIAL NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "author_id" INTEGER NOT NULL,
    "source_stage" "Stage" NOT NULL,
    "desired_stage" "Stage" NOT NULL,
    "state" "TransitionState" NOT NULL DEFAULT 'PENDING',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "stage_transitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stage_activities" (
    "id" SERIAL NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "author_id" INTEGER NOT NULL,
    "transition_id" INTEGER,
    "comment" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stage_activities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "builds" (
    "id" SERIAL NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "status" "BuildStatus" NOT NULL DEFAULT 'BUILDING',
    "image_url" TEXT,
    "build_error" TEXT,
    "scan_requested" BOOLEAN NOT NULL DEFAULT false,
    "scan_status" "ScanStatus" NOT NULL DEFAULT 'UNSCANNED',
    "scan_message" TEXT,
    "safety_status" "SafetyStatus" NOT NULL DEFAULT 'UNKNOWN',
    "scan_url" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "builds_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "registered_models_workspace_id_name_key" ON "registered_models"("workspace_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "model_versions_registered_model_id_version_key" ON "model_versions"("registered_model_id", "version");

-- CreateIndex
CREATE INDEX "stage_transitions_model_version_id_idx" ON "stage_transitions"("model_version_id");

-- CreateIndex
CREATE INDEX "stage_activities_model_version_id_idx" ON "stage_activities"("model_version_id");

-- CreateIndex
CREATE INDEX "builds_model_version_id_created_at_idx" ON "builds"("model_version_id", "created_at");

-- CreateIndex
CREATE INDEX "builds_status_updated_at_idx" ON "builds"("status", "updated_at");

-- AddForeignKey
ALTER TABLE "registered_models" ADD CONSTRAINT "registered_models_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_registered_model_id_fkey" FOREIGN KEY ("registered_model_id") REFERENCES "registered_models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stage_transitions" ADD CONSTRAINT "stage_transitions_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stage_activities" ADD CONSTRAINT "stage_activities_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stage_activities" ADD CONSTRAINT "stage_activities_transition_id_fkey" FOREIGN KEY ("transition_id") REFERENCES "stage_transitions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
