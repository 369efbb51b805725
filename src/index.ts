export { startBroker, type Broker, type StartBrokerOptions } from './broker.js';
export { BrokerConfig, ConfigError } from './config/config.js';
export { LockedError } from './storage/dir-lock.js';
