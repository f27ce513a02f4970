/**
 * The real Weave Scope binary for tests whose question is what a real app accepts: unpacked from
 * `scope.xz` (env `SCOPE_BINARY_XZ`, default `../shared/tools/scope/scope.xz` beside the repo) into
 * a cache folder after checking its SHA-256, and run as an app on a free loopback port, or as a
 * probe beside it. Tests skip with `skip` when the archive is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The unpacked binary's path, or why it cannot be had. Unpacks once per archive content. */
export function scopeBinary(): { path: string } | { skip: string } {
  const xz = process.env['SCOPE_BINARY_XZ'] ?? resolve(REPO, '../shared/tools/scope/scope.xz');
  if (!existsSync(xz)) return { skip: `real Scope binary not found at ${xz} (set SCOPE_BINARY_XZ)` };
  const archive = readFileSync(xz);
  const sha = createHash('sha256').update(archive).digest('hex');
  const sums = join(dirname(xz), 'SHA256SUMS');
  if (existsSync(sums) && !readFileSync(sums, 'utf8').includes(sha)) return { skip: `${xz} does not match ${sums}` };
  const dir = join(process.env['SCOPE_BINARY_CACHE'] ?? join(tmpdir(), 'scope-plugin-host-cache'), sha.slice(0, 16));
  const bin = join(dir, 'scope');
  if (existsSync(bin)) return runnable(bin);
  mkdirSync(dir, { recursive: true });
  const out = spawnSync('xz', ['-dc', xz], { maxBuffer: 256 * 1024 * 1024 });
  if (out.status !== 0) return { skip: `xz -dc ${xz} failed: ${out.error?.message ?? out.stderr.toString().trim()}` };
  // Written beside and renamed: test files running at once never see half a binary.
  const partial = `${bin}.${process.pid}.partial`;
  writeFileSync(partial, out.stdout);
  chmodSync(partial, 0o755);
  renameSync(partial, bin);
  return runnable(bin);
}

/** The binary links libpcap0.8 dynamically: without it, skip rather than fail. */
function runnable(bin: string): { path: string } | { skip: string } {
  const run = spawnSync(bin, ['--mode=app', '--dry-run'], { timeout: 10_000 });
  if (run.status === 0) return { path: bin };
  return { skip: `${bin} does not run (it needs Debian's libpcap0.8): ${run.error?.message ?? run.stderr.toString().trim().slice(0, 200)}` };
}

export interface ScopeApp {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  /** What the app printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export interface ScopeAppOptions {
  /** A fixed port (to start an app again where it was); default: a free one. */
  readonly port?: number;
  /** More flags, e.g. `--app.window=4s`. */
  readonly args?: readonly string[];
}

export async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, host, ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

/**
 * A probe's command line with its heavy collectors off, polling the plugins under `pluginsRoot`
 * ('' for none), its HTTP server on `listen`, publishing to `appUrl` every second.
 */
export function probeArgs(pluginsRoot: string, listen: string, appUrl: string): string[] {
  return [
    '--mode=probe',
    '--no-app',
    '--weave=false',
    `--probe.plugins.root=${pluginsRoot}`,
    '--probe.docker=false',
    '--probe.conntrack=false',
    '--probe.ebpf.connections=false',
    '--probe.proc.spy=false',
    '--probe.processes=false',
    '--probe.publish.interval=1s',
    `--probe.http.listen=${listen}`,
    appUrl,
  ];
}

/** `scope` with `args`, its output collected; `stop` is SIGTERM, then SIGKILL after 5 s. */
function spawnScope(binary: string, args: readonly string[]): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(binary, args, { env: { ...process.env, CHECKPOINT_DISABLE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
  };
  return { child, output: () => output, stop };
}

/** Starts `scope --mode=app` on a free port of `host` and waits until `GET /api` answers 200. */
export async function startScopeApp(binary: string, host = '127.0.0.1', timeoutMs = 20_000, options: ScopeAppOptions = {}): Promise<ScopeApp> {
  const port = options.port ?? (await freePort(host));
  const { child, output, stop } = spawnScope(binary, ['--mode=app', '--weave=false', `--app.http.address=${host}:${port}`, ...(options.args ?? [])]);
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`scope app exited early: ${output().slice(-2000)}`);
    try {
      const res = await fetch(`${url}/api`);
      await res.arrayBuffer();
      if (res.status === 200) return { url, output, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`scope app not answering GET /api after ${timeoutMs} ms: ${output().slice(-2000)}`);
    }
    await sleep(100);
  }
}

export interface ScopeProbe {
  /** The probe's own ID, as it printed at start. */
  readonly id: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A real probe publishing to `appUrl` every second with its own plugin polling and heavy
 * collectors off: its host node is `<hostname>;<host>` with its own ID and its own `host_exec`.
 */
export async function startScopeProbe(binary: string, appUrl: string, timeoutMs = 20_000): Promise<ScopeProbe> {
  const listen = await freePort('127.0.0.1');
  const { child, output, stop } = spawnScope(binary, probeArgs('', `127.0.0.1:${listen}`, appUrl));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const id = /probe starting, version [^,]*, ID ([0-9a-f]+)/.exec(output())?.[1];
    if (id !== undefined) return { id, output, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`scope probe did not start: ${output().slice(-2000)}`);
    }
    await sleep(50);
  }
}
