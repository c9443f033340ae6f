export {
  queueCatalog,
  QUEUE_KEYS,
  jobIds,
  fanOutJobSchema,
  deliveryJobSchema,
  buildJobSchema,
  maintenanceJobSchema,
  deadlineJobSchema,
  recoveryJobSchema,
  retentionJobSchema,
  OUTBOX_RELAY_SCHEDULER,
  RETENTION_SCHEDULER,
  type QueueKey,
  type JobData,
  type JobInput,
} from "./catalog.js";
export { JobQueues, type QueueSettings } from "./job-queues.js";
export { FairShare, FAIR_SHARE_HALF_LIFE_MS, priorityOfWeight } from "./fair-share.js";
export { createRedis, parseClusterUrl, watchRedis, type RedisConnection, type ClusterAddress } from "./redis.js";
