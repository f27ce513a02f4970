/**
 * The real `scope-plugin-host` command as a child process, optionally under an open-file limit
 * (`prlimit --nofile=N:N`, util-linux), for what only a whole process shows: descriptor limits.
 * It waits for the `scope-plugin-host ready` log line and keeps every JSON log line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LogLine } from './host.js';
import { HOST_PROCESS_ENV, HOST_NODE_FLAGS } from '../../src/main/main-heap.js';

const CLI = fileURLToPath(new URL('../../dist/main/cli.js', import.meta.url));

export interface HostProcess {
  readonly url: string;
  readonly pid: number;
  readonly logs: LogLine[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Whether `prlimit` can run a command here (tests that need it skip with this reason otherwise). */
export function prlimitMissing(): string | undefined {
  const r = spawnSync('prlimit', ['--nofile=64:64', 'true']);
  return r.status === 0 ? undefined : `prlimit (util-linux) cannot run here: ${r.error?.message ?? r.stderr.toString()}`;
}

/**
 * `measuredMemory`: the host does not inherit the test runner's coverage collection, whose
 * per-process records would count in the RSS a test measures.
 */
export async function startHostProcess(
  args: readonly string[],
  options: { nofile?: number; readyTimeoutMs?: number; measuredMemory?: boolean } = {},
): Promise<HostProcess> {
  const node = [process.execPath, ...HOST_NODE_FLAGS, CLI, '--listen', '127.0.0.1:0', ...args];
  const env = { ...process.env, ...HOST_PROCESS_ENV };
  if (options.measuredMemory === true) delete env['NODE_V8_COVERAGE'];
  const child: ChildProcess =
    options.nofile === undefined
      ? spawn(node[0]!, node.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env })
      : spawn('prlimit', [`--nofile=${options.nofile}:${options.nofile}`, ...node], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const logs: LogLine[] = [];
  let stderr = '';
  let pending = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (data: string) => {
      pending += data;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as LogLine;
        logs.push(entry);
        if (entry.msg === 'scope-plugin-host ready') resolve(String(entry['url']));
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (data: string) => (stderr += data));
    void exited.then(() => reject(new Error(`host exited before it was ready: ${stderr}`)));
    setTimeout(() => reject(new Error(`host not ready within ${options.readyTimeoutMs ?? 20_000} ms: ${stderr}`)), options.readyTimeoutMs ?? 20_000).unref();
  });
  const stop = async (graceMs = 3_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  let url: string;
  try {
    url = await ready;
  } catch (err) {
    await stop(0);
    throw err;
  }
  return { url, pid: child.pid!, logs, stop };
}
