/**
 * Upstream's real programs as bench processes: a Scope app (`--mode=app`) that the host and the
 * upstream probe publish to, and the upstream probe (`--mode=probe`) polling the fleet's plugin
 * root with its own collectors off, so what it spends is what plugins cost it. Both listen on
 * loopback only and log to a file in the work dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { http } from '../measure/http.js';

/** Upstream's own publish interval, used by both publishers in every scenario. */
export const PUBLISH_INTERVAL_MS = 3000;

export interface ScopeProcess {
  readonly pid: number;
  readonly url: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export interface UpstreamProbe extends ScopeProcess {
  /** The probe's ID, as it logs it at start (the app routes controls by it). */
  readonly probeId: string;
}

const ENV = { ...process.env, CHECKPOINT_DISABLE: '1' };

/** The probe ID from the probe's start line, `probe starting, version …, ID <id>`. */
export function parseProbeId(log: string): string | undefined {
  return /probe starting, version [^,\n]*, ID ([0-9a-f]+)/.exec(log)?.[1];
}

export function probeArgs(o: { root: string; listen: string; appUrl: string; publishIntervalMs?: number }): string[] {
  return [
    '--mode=probe',
    '--no-app',
    '--weave=false',
    `--probe.plugins.root=${o.root}`,
    '--probe.docker=false',
    '--probe.conntrack=false',
    '--probe.ebpf.connections=false',
    '--probe.proc.spy=false',
    '--probe.processes=false',
    `--probe.publish.interval=${(o.publishIntervalMs ?? PUBLISH_INTERVAL_MS) / 1000}s`,
    `--probe.http.listen=${o.listen}`,
    o.appUrl,
  ];
}

function spawnLogged(binary: string, args: readonly string[], logFile: string): ChildProcess {
  const log = openSync(logFile, 'w');
  const child = spawn(binary, args, { stdio: ['ignore', log, log], env: ENV });
  closeSync(log);
  return child;
}

function stopper(child: ChildProcess): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    }));
}

async function until<T>(what: string, child: ChildProcess, logFile: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited during start-up (code ${child.exitCode}); see ${logFile}`);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startScopeApp(binary: string, port: number, logFile: string): Promise<ScopeProcess> {
  const child = spawnLogged(binary, ['--mode=app', '--weave=false', `--app.http.address=127.0.0.1:${port}`], logFile);
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await until('the Scope app', child, logFile, async () => ((await http(`${url}/api`, { timeoutMs: 2000 })).status === 200 ? true : undefined));
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid!, url, logFile, stop };
}

export async function startUpstreamProbe(binary: string, o: { root: string; port: number; appUrl: string; workDir: string }): Promise<UpstreamProbe> {
  const logFile = join(o.workDir, 'upstream-probe.log');
  const listen = `127.0.0.1:${o.port}`;
  const child = spawnLogged(binary, probeArgs({ root: o.root, listen, appUrl: o.appUrl }), logFile);
  const url = `http://${listen}`;
  const stop = stopper(child);
  try {
    const probeId = await until('the upstream probe', child, logFile, async () => parseProbeId(readFileSync(logFile, 'utf8')));
    await until('the upstream probe', child, logFile, async () => ((await http(`${url}/metrics`, { timeoutMs: 2000 })).status === 200 ? true : undefined));
    return { pid: child.pid!, url, logFile, probeId, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
