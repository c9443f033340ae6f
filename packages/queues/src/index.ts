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
export { createRedis, parseClusterUrl, watchRedis, type RedisConnection, type ClusterAddress } from "./redis.js";
