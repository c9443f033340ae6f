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
  type QueueKey,
  type JobData,
  type JobInput,
} from "./catalog.js";
export { JobQueues, type QueueSettings } from "./job-queues.js";
export { createRedis } from "./redis.js";
