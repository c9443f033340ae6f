-- Scope to models: a webhook may list registered models (empty: all), and every event records the
-- model it concerns, read from its entity when recorded (docs/decisions.md, "Model scope").
-- No foreign key: an event outlives its model, and a scope may name a model since deleted.

-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN "registered_model_ids" INTEGER[] DEFAULT ARRAY[]::INTEGER[];
ALTER TABLE "events" ADD COLUMN "registered_model_id" INTEGER;
