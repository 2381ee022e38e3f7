export { QueueModule } from './queue.module.js';
export { JobProducer } from './job-producer.js';
export { QUEUES, DEFAULT_JOB_OPTIONS, type QueueName, type JobPayload, type JobPayloads } from './queues.js';
export { redisOptionsFromUrl, requestPathRedisOptions, settleConnection, REQUEST_PATH_REDIS_TIMEOUT_MS, bullConnection } from './redis-options.js';
export { probeRedis, describeRedisUrl } from './probe.js';
export { PeriodicTask, withTimeout, requeueJob } from './periodic-task.js';
