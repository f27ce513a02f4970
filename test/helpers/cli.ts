import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built command, as `npm start` and the installed bin run it (npm test builds first). */
export const CLI = fileURLToPath(new URL('../../dist/main/cli.js', import.meta.url));

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <cli> ...args` to its end (killed after `timeoutMs`), collecting both streams. */
export function runCommand(command: string, args: readonly string[], timeoutMs = 20_000, env?: NodeJS.ProcessEnv): Promise<CliOutcome> {
  return collect(spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) }), timeoutMs);
}

export function runCli(args: readonly string[], timeoutMs?: number): Promise<CliOutcome> {
  return runCommand(process.execPath, [CLI, ...args], timeoutMs);
}

export function collect(child: ChildProcess, timeoutMs: number): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
