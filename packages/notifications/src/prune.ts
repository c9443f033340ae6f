import { Prisma, type Db } from "@modelhooks/db";

// Notifications are news: past the retention period (docs/reliability.md, "Retention") the calls
// and events they tell of are gone too, read or not. A batch at a time, each its own statement.
export const DELETE_OLD_NOTIFICATIONS = (cutoff: Date, limit: number) => Prisma.sql`
  DELETE FROM notifications WHERE id IN (
    SELECT id FROM notifications WHERE created_at < ${cutoff} ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;

/** Deletes notifications created before the cutoff; answers how many. */
export async function pruneNotifications(db: Db, cutoff: Date, batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.$executeRaw(DELETE_OLD_NOTIFICATIONS(cutoff, batchSize));
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
