-- Retention (docs/reliability.md, "Retention"): the scheduled job walks events oldest first and
-- deletes each with its calls and attempts; every lookup it makes, and every foreign key the
-- deletion checks, has an index, so one batch touches only its own rows.
-- The runner applies a migration in one transaction, so these are plain CREATE INDEX: on a large
-- existing table, create them by hand with CREATE INDEX CONCURRENTLY (same names) first and this
-- migration's IF NOT EXISTS finds them.

-- The walk: events by age, the id breaking ties (a keyset cursor).
CREATE INDEX IF NOT EXISTS "events_created_at_id_idx" ON "events"("created_at", "id");

-- An event's calls: the partial unique index on event x webhook leaves out retriggers and
-- recoveries; this one has them all (also findEvents' per-event call counts).
CREATE INDEX IF NOT EXISTS "webhook_calls_event_id_idx" ON "webhook_calls"("event_id");

-- Which calls a recovery request created: a request is deleted only once none is left
-- (not expressible in Prisma's schema: partial index; most calls have no recovery).
CREATE INDEX IF NOT EXISTS "webhook_calls_recovery_id_idx" ON "webhook_calls"("recovery_id") WHERE "recovery_id" IS NOT NULL;

-- The promotion or scan an event decides: looked up on every PROMOTE / REQUEST_SCAN outcome and
-- by the ON DELETE SET NULL of a deleted event.
CREATE INDEX IF NOT EXISTS "model_versions_promotion_event_id_idx" ON "model_versions"("promotion_event_id");
CREATE INDEX IF NOT EXISTS "builds_scan_event_id_idx" ON "builds"("scan_event_id");

-- Old notifications, across users.
CREATE INDEX IF NOT EXISTS "notifications_created_at_idx" ON "notifications"("created_at");

-- The call log and the event log page newest first by (created_at, id): with the id in the index
-- a page is read in order straight off it (no sort of the whole window), per webhook and per workspace.
DROP INDEX IF EXISTS "webhook_calls_webhook_id_created_at_idx";
CREATE INDEX IF NOT EXISTS "webhook_calls_webhook_id_created_at_id_idx" ON "webhook_calls"("webhook_id", "created_at", "id");
DROP INDEX IF EXISTS "events_workspace_id_created_at_idx";
CREATE INDEX IF NOT EXISTS "events_workspace_id_created_at_id_idx" ON "events"("workspace_id", "created_at", "id");
