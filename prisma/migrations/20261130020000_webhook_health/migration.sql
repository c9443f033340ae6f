-- AlterEnum
ALTER TYPE "ResourceType" ADD VALUE 'WEBHOOK';

-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "failing_since" TIMESTAMP(3);
