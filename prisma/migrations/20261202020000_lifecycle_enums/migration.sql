-- New enum values get their own migration: PostgreSQL refuses to use a value added in the same
-- transaction, and the next migration uses them.
ALTER TYPE "PromotionStatus" ADD VALUE 'NONE' BEFORE 'IN_PROGRESS';
ALTER TYPE "ScanStatus" ADD VALUE 'BUILDING' AFTER 'UNSCANNED';
-- A call that ended FAILURE is announced as an UPDATE of it (docs/lifecycles.md).
ALTER TYPE "ResourceType" ADD VALUE 'WEBHOOK_CALL';
