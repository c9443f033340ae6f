import type { CallStatus, Db } from "@modelhooks/db";

/** How many calls are in each status, for the API's /metrics. */
export async function countCallsByStatus(db: Db): Promise<Array<{ status: CallStatus; count: number }>> {
  const rows = await db.webhookCall.groupBy({ by: ["status"], _count: { _all: true } });
  return rows.map((row) => ({ status: row.status, count: row._count._all }));
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What the console's webhook list shows beside each webhook: delivery success over the last 24 h
 * (final calls only: one still retrying has no outcome yet), the newest call and the newest failure.
 */
export async function webhookDeliveryStats(db: Db, webhookIds: number[]) {
  const since = new Date(Date.now() - DAY_MS);
  const [finals, latest, failures] = await Promise.all([
    db.webhookCall.groupBy({
      by: ["webhookId", "status"],
      where: { webhookId: { in: webhookIds }, createdAt: { gte: since }, status: { in: ["SUCCESS", "FAILURE"] } },
      _count: { _all: true },
    }),
    db.webhookCall.groupBy({ by: ["webhookId"], where: { webhookId: { in: webhookIds } }, _max: { createdAt: true } }),
    db.webhookCall.groupBy({ by: ["webhookId"], where: { webhookId: { in: webhookIds }, status: "FAILURE" }, _max: { updatedAt: true } }),
  ]);
  const count = (webhookId: number, status: CallStatus) =>
    finals.find((row) => row.webhookId === webhookId && row.status === status)?._count._all ?? 0;
  return new Map(
    webhookIds.map((webhookId) => {
      const succeeded = count(webhookId, "SUCCESS");
      const failed = count(webhookId, "FAILURE");
      return [
        webhookId,
        {
          succeeded_24h: succeeded,
          failed_24h: failed,
          success_rate_24h: succeeded + failed === 0 ? null : succeeded / (succeeded + failed),
          last_call_at: latest.find((row) => row.webhookId === webhookId)?._max.createdAt?.toISOString() ?? null,
          last_failure_at: failures.find((row) => row.webhookId === webhookId)?._max.updatedAt?.toISOString() ?? null,
        },
      ] as const;
    }),
  );
}
