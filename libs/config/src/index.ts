export { AppConfig, ConfigError, loadConfig, SECRETS_USED_BY, type ProductionSecret } from './app-config.js';
export { ConfigModule } from './config.module.js';
export { parseWitnessList, MAX_WITNESSES, type WitnessSetting } from './witness-list.js';
export { parseReplicaUrls, maskDatabaseUrl, databaseNameOf, MAX_REPLICAS } from './replica-urls.js';
export {
  parseRedisTopology, describeRedisTopology, redactRedisUrl, formatAddress,
  type RedisTopology, type RedisSettings, type RedisNodeAddress, type RedisAuth,
} from './redis-topology.js';
