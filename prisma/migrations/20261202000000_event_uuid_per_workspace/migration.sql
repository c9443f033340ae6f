-- Event ids are a workspace's own: the same event_uuid in two workspaces is two events. A global
-- unique index let one tenant learn another's ids and suppress its events (docs/security.md).
DROP INDEX "events_uuid_key";

-- CreateIndex
CREATE UNIQUE INDEX "events_workspace_id_uuid_key" ON "events"("workspace_id", "uuid");
