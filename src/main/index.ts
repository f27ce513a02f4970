/**
 * The host as a library (`import { startService } from 'scope-plugin-host'`): what the
 * `scope-plugin-host` command runs, for a program that embeds it. The plugin kit is the separate
 * entry `scope-plugin-host/kit` (or the `scope-plugin-kit` package, without the host's dependencies).
 */
export { startService, type RunningService } from './service.js';
export { loadConfig, ConfigError, type LoadEnv, type LoadResult } from './config-loader.js';
export { createLogger, type LoggerSetup } from './logger.js';
export { DEFAULTS, type ConfigFile, type HostConfig } from './config/schema.js';
export { VERSION } from './version.js';
