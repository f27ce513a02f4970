#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=1048576 node --max-semi-space-size=1 --heap-growing-percent=100
/**
 * The `scope-plugin-host` command. Bad flags or config: one line per problem on stderr naming the
 * key, exit 2 (config-loader.ts). Cannot start (address taken): one line on stderr, exit 1.
 * SIGTERM/SIGINT: stop polling, close every connection, exit 0 within 2 s.
 * SIGHUP: re-read the config file and apply what can change live (reload.ts).
 * `scope-plugin-host check-plugin SOCKET` checks one plugin instead (check-plugin/command.ts).
 */
import { ConfigError, loadConfig, loadConfigOrExit } from './config-loader.js';
import { createLogger } from './logger.js';
import { keepSemiSpaceFlagToMainThread } from './main-heap.js';
import type { RunningService } from './service.js';
import { startFailure } from './start-failure.js';

/** The service must be gone this long after a signal, whatever is still draining. */
const SHUTDOWN_DEADLINE_MS = 1_800;

// Before any worker thread starts, the logger's transport included (main-heap.ts).
keepSemiSpaceFlagToMainThread();

if (process.argv[2] === 'check-plugin') {
  const { runCheckPlugin } = await import('./check-plugin/command.js');
  process.exit(await runCheckPlugin(process.argv.slice(3)));
}

// A SIGHUP during start-up must not kill the host (Node's default); it is logged and ignored.
let onHangup = (): void => {};
process.on('SIGHUP', () => onHangup());

const argv = process.argv.slice(2);
const { config, configPath } = await loadConfigOrExit(argv);
const logger = createLogger({ level: config.logLevel });
if (configPath) logger.info({ configPath }, 'config loaded');
onHangup = () => logger.warn('SIGHUP while starting; no config reload');

/** The same flags and file again; a random probe ID stays the one this process runs with. */
async function reloadConfig() {
  const result = await loadConfig(argv, { randomProbeId: () => config.probeId });
  if (result.kind !== 'run') throw new ConfigError('config', '', 'reload: the command line asks for help or version, not a config');
  return result.config;
}

let service: RunningService | undefined;
try {
  // Loaded only to run: --help, --version and a bad command line answer without the service's modules.
  const { startService } = await import('./service.js');
  service = await startService(config, logger, { loadConfig: reloadConfig });
} catch (err) {
  // A known start-up failure (the listen address is taken) is one line, as for a bad flag; only
  // an unexpected error keeps its stack, in the log.
  const known = startFailure(err);
  if (known === null) logger.fatal({ err }, 'failed to start');
  else logger.fatal(known.fields, known.line);
  logger.flush?.();
  const line = known?.line ?? `cannot start: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`scope-plugin-host: ${line.replace(/\s*\n\s*/g, ' ')}\n`, () => process.exit(1));
  await new Promise(() => {}); // exit once stderr has the line
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
const running = service!;
onHangup = () => void running.reload('SIGHUP');
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
