-- The request log: each attempt keeps the URL and every header as sent; the body, the same for
-- every attempt of a call, is kept once on the call (docs/api.md, findWebhookCall).
ALTER TABLE "webhook_call_attempts" ADD COLUMN "request_url" TEXT, ADD COLUMN "request_headers" JSONB;
ALTER TABLE "webhook_calls" ADD COLUMN "request_body" TEXT;

-- The call log's filters: by time across webhooks, and events newest first per workspace.
CREATE INDEX "webhook_calls_created_at_idx" ON "webhook_calls"("created_at");
CREATE INDEX "events_workspace_id_created_at_idx" ON "events"("workspace_id", "created_at");
