-- max_deliveries_per_second: deliveries of a webhook per second across all workers (NULL: no limit).

-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN "max_deliveries_per_second" INTEGER;
