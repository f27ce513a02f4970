#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `scope-plugin-host` command. Bad flags or config: one line on stderr naming the key, exit 2
 * (config-loader.ts). SIGTERM/SIGINT: stop polling, close every connection, exit 0 within 2 s.
 */
import { loadConfigOrExit } from './config-loader.js';
import { createLogger } from './logger.js';
import { keepSemiSpaceFlagToMainThread } from './main-heap.js';
import { startService } from './service.js';

/** The service must be gone this long after a signal, whatever is still draining. */
const SHUTDOWN_DEADLINE_MS = 1_800;

// Before any worker thread starts, the logger's transport included (main-heap.ts).
keepSemiSpaceFlagToMainThread();

const { config, configPath } = await loadConfigOrExit(process.argv.slice(2));
const logger = createLogger({ level: config.logLevel });
if (configPath) logger.info({ configPath }, 'config loaded');

let service;
try {
  service = await startService(config, logger);
} catch (err) {
  // e.g. the listen address is taken: say it in one line, as for a bad flag.
  const message = err instanceof Error ? err.message : String(err);
  logger.fatal({ err }, 'failed to start');
  logger.flush?.();
  process.stderr.write(`scope-plugin-host: cannot start: ${message}\n`);
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    logger.warn('shutdown deadline reached; exiting with connections still closing');
    process.exit(0);
  }, SHUTDOWN_DEADLINE_MS);
  force.unref();
  await service!.close();
  logger.info('stopped');
  logger.flush?.();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
