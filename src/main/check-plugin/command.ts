/**
 * `scope-plugin-host check-plugin SOCKET`: a plugin author's check, as `promtool check` is for
 * Prometheus users. Exit 0 only when the host would list the plugin `ok`; 1 when not; 2 for a bad
 * command line or config file.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../config-error.js';
import { PROGRAM } from '../cli-args.js';
import { loadConfig, randomProbeId } from '../config-loader.js';
import { DEFAULTS } from '../config/schema.js';
import { isValidPluginId, pluginIdFromPath } from '../discovery/plugin-id.js';
import { PluginClient } from '../../workers/plugin-client.js';
import { checkOnce, type EraState } from './check.js';
import { formatCheck } from './format.js';

const NAME = `${PROGRAM} check-plugin`;

export function checkHelpText(): string {
  return [
    `Usage: ${NAME} [--watch] [--config FILE] SOCKET`,
    '',
    'Handshakes with the plugin on the unix socket SOCKET and polls GET /report once, with the',
    "host's own client and checks, and prints what the host makes of it: status with the exact",
    'error, era, latency, size, the spec as listed, nodes per topology, metrics and controls as the',
    'merged report carries them.',
    '',
    '  -w, --watch         check again every poll interval (1 s) until interrupted',
    '  -c, --config FILE   take apiVersion, timeoutMs, maxResponseBytes, maxNodesPerReport,',
    "                      pollIntervalMs and probeId from the host's config file",
    '  -h, --help          print this help and exit',
    '',
    'Exit status: 0 when the plugin is ok (with --watch: at the last check), 1 when it is not, 2 for',
    'a bad command line or config file.',
    '',
  ].join('\n');
}

interface Settings {
  apiVersion: string;
  probeId: string;
  timeoutMs: number;
  maxResponseBytes: number;
  maxNodesPerReport: number;
  pollIntervalMs: number;
}

/** Runs the command; resolves to the exit status once everything it printed is written. */
export async function runCheckPlugin(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = await parse(argv);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    await write(process.stderr, err.lines.map((l) => `${NAME}: ${l}\n`).join(''));
    return 2;
  }
  if (parsed === 'help') {
    await write(process.stdout, checkHelpText());
    return 0;
  }
  const { socket, watch, settings } = parsed;

  const id = pluginIdFromPath(socket);
  if (!isValidPluginId(id)) {
    await write(
      process.stdout,
      `socket     ${socket}\nstatus     ignored: invalid plugin id ${JSON.stringify(id)} (the socket's name without its extension must be letters and digits, single hyphens between them); the host logs "invalid plugin id; socket ignored" and never polls it\n`,
    );
    return 1;
  }

  const client = new PluginClient({
    socketPath: socket,
    probeId: settings.probeId,
    apiVersion: settings.apiVersion,
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
  });
  const ctx = { pluginId: id, apiVersion: settings.apiVersion, maxNodesPerReport: settings.maxNodesPerReport };
  const state: EraState = { era: null };
  let code = 1;
  try {
    if (!watch) {
      const result = await checkOnce(client, ctx, state);
      await write(process.stdout, formatCheck(socket, result));
      return result.status === 'ok' ? 0 : 1;
    }
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      while (!stop.signal.aborted) {
        const started = Date.now();
        const result = await checkOnce(client, ctx, state);
        code = result.status === 'ok' ? 0 : 1;
        await write(process.stdout, `--- ${new Date().toISOString()}\n${formatCheck(socket, result)}`);
        await sleep(Math.max(0, settings.pollIntervalMs - (Date.now() - started)), undefined, { signal: stop.signal }).catch(() => {});
      }
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
    return code;
  } finally {
    await client.destroy();
  }
}

async function parse(argv: readonly string[]): Promise<'help' | { socket: string; watch: boolean; settings: Settings }> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: {
        watch: { type: 'boolean', short: 'w' },
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new ConfigError('', undefined, `${message.replace(/\. To specify a positional.*$/, '')} (see --help)`);
  }
  if (values.help === true) return 'help';
  if (positionals.length !== 1) {
    throw new ConfigError('SOCKET', positionals, `expected one plugin socket path, got ${positionals.length} (see --help)`);
  }
  const settings = await settingsFrom(values.config);
  return { socket: resolve(positionals[0]!), watch: values.watch === true, settings };
}

/** The values the host would poll with: its config file's, else the defaults. */
async function settingsFrom(configFile: string | undefined): Promise<Settings> {
  if (configFile === undefined) {
    return {
      apiVersion: DEFAULTS.apiVersion,
      probeId: randomProbeId(),
      timeoutMs: DEFAULTS.timeoutMs,
      maxResponseBytes: DEFAULTS.maxResponseBytes,
      maxNodesPerReport: DEFAULTS.maxNodesPerReport,
      pollIntervalMs: DEFAULTS.pollIntervalMs,
    };
  }
  const loaded = await loadConfig(['--config', configFile]);
  if (loaded.kind !== 'run') throw new Error('unreachable: --config alone neither asks for help nor the version');
  const { apiVersion, probeId, timeoutMs, maxResponseBytes, maxNodesPerReport, pollIntervalMs } = loaded.config;
  return { apiVersion, probeId, timeoutMs, maxResponseBytes, maxNodesPerReport, pollIntervalMs };
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((done) => stream.write(text, () => done()));
}
