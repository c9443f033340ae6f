import type { CallStatus, Db } from "@modelhooks/db";

/** How many calls are in each status, for the API's /metrics. */
export async function countCallsByStatus(db: Db): Promise<Array<{ status: CallStatus; count: number }>> {
  const rows = await db.webhookCall.groupBy({ by: ["status"], _count: { _all: true } });
  return rows.map((row) => ({ status: row.status, count: row._count._all }));
}
