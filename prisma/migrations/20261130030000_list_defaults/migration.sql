-- Lists default to empty, never NULL: matching reads an empty resource_types as "all", and a
-- NULL would silently match nothing.
UPDATE "webhooks" SET "event_types" = ARRAY[]::"EventType"[] WHERE "event_types" IS NULL;
UPDATE "webhooks" SET "resource_types" = ARRAY[]::"ResourceType"[] WHERE "resource_types" IS NULL;
UPDATE "registered_models" SET "labels" = ARRAY[]::TEXT[] WHERE "labels" IS NULL;
UPDATE "model_versions" SET "labels" = ARRAY[]::TEXT[] WHERE "labels" IS NULL;

-- AlterTable
ALTER TABLE "webhooks" ALTER COLUMN "event_types" SET DEFAULT ARRAY[]::"EventType"[],
ALTER COLUMN "resource_types" SET DEFAULT ARRAY[]::"ResourceType"[];

-- AlterTable
ALTER TABLE "registered_models" ALTER COLUMN "labels" SET DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "model_versions" ALTER COLUMN "labels" SET DEFAULT ARRAY[]::TEXT[];
