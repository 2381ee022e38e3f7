export { QueueModule } from './queue.module.js';
export { JobProducer } from './job-producer.js';
export { QUEUES, DEFAULT_JOB_OPTIONS, type QueueName, type JobPayload, type JobPayloads } from './queues.js';
export { redisOptionsFromUrl, requestPathRedisOptions, settleConnection, REQUEST_PATH_REDIS_TIMEOUT_MS } from './redis-options.js';
export {
  bullConnection, createRedisClient, createRequestPathRedis, queuePrefixOf, hashTagged, redisTopologyOf, scanTargetsOf,
  type RedisClient, type RedisTarget,
} from './redis-clients.js';
export { probeRedis, describeRedis, describeRedisUrl, waitForRedis } from './probe.js';
export { PeriodicTask, withTimeout, requeueJob } from './periodic-task.js';
