/**
 * `npm run demo`: the host on a temp plugin root with three example plugins (iowait reading
 * /proc/stat with two controls, a container table reporter, and a 2016 handshake-era plugin),
 * and the URLs to open. Accepts the host's own flags (e.g. `npm run demo -- --listen 127.0.0.1:5000`).
 * Ctrl-C stops everything and removes the temp root.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigOrExit } from '../main/config-loader.js';
import { createLogger } from '../main/logger.js';
import { startService, type RunningService } from '../main/service.js';
import { startContainerTablePlugin } from './container-table-plugin.js';
import { startHandshakeEraPlugin } from './handshake-era-plugin.js';
import { startIowaitPlugin } from './iowait-plugin.js';

const root = await mkdtemp(join(tmpdir(), 'scope-demo-'));
const { config } = await loadConfigOrExit(['--plugins-root', root, ...process.argv.slice(2)]);
const logger = createLogger({ level: config.logLevel });

const plugins = await Promise.all([startIowaitPlugin({ root }), startContainerTablePlugin({ root }), startHandshakeEraPlugin({ root })]);

let service: RunningService | undefined;
try {
  service = await startService(config, logger);
} catch (err) {
  await Promise.all(plugins.map((p) => p.close()));
  await rm(root, { recursive: true, force: true });
  const hint = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (try: npm run demo -- --listen 127.0.0.1:0)' : '';
  process.stderr.write(`demo: cannot start the host: ${(err as Error).message}${hint}\n`);
  process.exit(1);
}

const url = service.url;
const node = `${hostname()};<host>`;
process.stdout.write(`
scope-plugin-host demo: ${plugins.length} example plugins under ${root}

  status page      ${url}/
  plugins          ${url}/api/plugins
  one plugin       ${url}/api/plugins/iowait
  host             ${url}/api/host
  merged report    ${url}/api/report
  metrics          ${url}/metrics
  health           ${url}/healthz (liveness), ${url}/readyz (readiness)

  flip the iowait plugin's metric with a control (answered with a shortcut report):
    curl -s -X POST ${url}/api/control -d '{"NodeID":"${node}","Control":"iowait~switchToIdle"}'

Ctrl-C to stop.

`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await service!.close();
  await Promise.all(plugins.map((p) => p.close()));
  await rm(root, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
