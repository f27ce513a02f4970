/**
 * Starting and stopping the things under test, each in its own process: the host (the built
 * `dist/main/cli.js`, as users run it), upstream's real probe (scope-processes.ts) and the
 * upstream-like serial poller (transpiled JS, a reference). All log to a file, never to a pipe we
 * would have to drain while measuring.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_PROCESS_ENV, HOST_NODE_FLAGS } from '../../src/main/main-heap.js';
import { http } from '../measure/http.js';
import { PUBLISH_INTERVAL_MS, startUpstreamProbe } from './scope-processes.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(REPO, 'dist');
let hostCli = join(DIST, 'main/cli.js');

/**
 * Copies the built host to `dir` and runs it from there, so a rebuild of `dist/` during a long run
 * (others run `npm test` on the same tree) cannot hand a half-written file to a host starting up.
 * Packages still resolve from the repo's node_modules (Node walks up from `dir`), so `dir` must be
 * inside the repository.
 */
export function snapshotHost(dir: string): void {
  if (!existsSync(join(DIST, 'main/cli.js'))) throw new Error(`${DIST}/main/cli.js is missing: run \`npm run build\` first (npm run bench does)`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(DIST, join(dir, 'dist'), { recursive: true });
  // The host reads its version from ../../package.json, and "type": "module" comes from it too.
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  hostCli = join(dir, 'dist/main/cli.js');
}

/** Config keys the bench sets on the host (a subset of docs/configuration.md). */
export interface HostSettings {
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  readonly workers?: number;
  readonly pluginsPerWorker?: number;
  readonly maxConcurrentPollsPerWorker?: number;
  readonly rescanIntervalMs?: number;
  readonly failureBackoffMaxMs?: number;
  readonly pollSlotMs?: number;
}

export type TargetKind = 'host' | 'upstream' | 'baseline';

export interface Target {
  readonly kind: TargetKind;
  readonly pid: number;
  /** The target's own HTTP listener: the host's API, the baseline's API, the probe's /metrics. */
  readonly url: string;
  /** Upstream's probe ID (the app routes control clicks by it). */
  readonly probeId?: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly root: string;
  /** Directory for the config file, the log and CPU profiles. */
  readonly workDir: string;
  readonly settings: HostSettings;
  /** Write V8 CPU profiles (every thread) into workDir/prof. */
  readonly cpuProf?: boolean;
  /** Extra node flags for the target process (e.g. V8 heap flags while investigating). */
  readonly nodeArgs?: readonly string[];
  /** The Scope app the target publishes to every 3 s (none: the host publishes nowhere). */
  readonly appUrl?: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      const gone = exitOf(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    })());
}

async function waitHealthy(url: string, child: ChildProcess, what: string, logFile: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited during start-up (code ${child.exitCode}, signal ${child.signalCode}); see ${logFile}`);
    }
    try {
      // The host is ready once its first scan is applied (/readyz); the serial poller has /healthz only.
      const ready = await http(`${url}/readyz`, { timeoutMs: 2000 });
      if (ready.status === 200 || (ready.status === 404 && (await http(`${url}/healthz`, { timeoutMs: 2000 })).status === 200)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not healthy after ${timeoutMs} ms; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startHost(o: StartOptions, label = 'host'): Promise<Target> {
  if (!existsSync(hostCli)) throw new Error(`${hostCli} is missing: run \`npm run build\` first (npm run bench does)`);
  const port = await freePort();
  const configFile = join(o.workDir, `${label}.config.json`);
  const publish = o.appUrl ? { publish: { apps: [o.appUrl], intervalMs: PUBLISH_INTERVAL_MS } } : {};
  const config = { pluginsRoot: o.root, listen: `127.0.0.1:${port}`, logLevel: 'warn', ...publish, ...o.settings };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const logFile = join(o.workDir, `${label}.log`);
  const log = openSync(logFile, 'w');
  const execArgv = [...(o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', join(o.workDir, 'prof')] : []), ...(o.nodeArgs ?? [])];
  // The flags and environment `npm start` and the scope-plugin-host command run with (src/main/main-heap.ts).
  const child = spawn(process.execPath, [...HOST_NODE_FLAGS, ...execArgv, hostCli, '--config', configFile], {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...HOST_PROCESS_ENV },
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await waitHealthy(url, child, 'the host', logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { kind: 'host', pid: child.pid!, url, stop };
}

/** `script`: the transpiled serial-poller.js (bench/baseline/build.ts). */
export async function startBaseline(o: StartOptions, script: string): Promise<Target> {
  const port = await freePort();
  const logFile = join(o.workDir, 'baseline.log');
  const log = openSync(logFile, 'w');
  const execArgv = [...(o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', join(o.workDir, 'prof')] : []), ...(o.nodeArgs ?? [])];
  const args = [
    ...execArgv,
    script,
    '--root',
    o.root,
    '--listen',
    `127.0.0.1:${port}`,
    '--interval-ms',
    String(o.settings.pollIntervalMs),
    '--timeout-ms',
    String(o.settings.timeoutMs),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await waitHealthy(url, child, 'the baseline', logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { kind: 'baseline', pid: child.pid!, url, stop };
}

/** Upstream's probe on the fleet's root, publishing to `o.appUrl` (required). */
export async function startUpstream(o: StartOptions, binary: string): Promise<Target> {
  if (!o.appUrl) throw new Error('the upstream probe needs an app to publish to');
  const probe = await startUpstreamProbe(binary, { root: o.root, port: await freePort(), appUrl: o.appUrl, workDir: o.workDir });
  return { kind: 'upstream', pid: probe.pid, url: probe.url, probeId: probe.probeId, stop: () => probe.stop() };
}
