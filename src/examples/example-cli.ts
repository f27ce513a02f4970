/**
 * What every runnable example shares: `--root DIR` and a clean shutdown on SIGINT/SIGTERM. The kit
 * itself installs no signal handlers (a library must not decide how its host process exits); an
 * example is a whole program, so it does: close the server (which removes the socket), then exit 0.
 */
import { parseArgs } from 'node:util';
import type { PluginServer } from '../kit/index.js';

/** Parses `[--root DIR]`; unknown flags are an error so typos do not go unnoticed. */
export function exampleArgs(argv: string[] = process.argv.slice(2)): { root: string | undefined } {
  try {
    const { values } = parseArgs({ args: argv, options: { root: { type: 'string' } }, strict: true });
    return { root: values.root };
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: node <example>.js [--root DIR]   (default root /var/run/scope/plugins)`);
    process.exit(2);
  }
}

/** Logs where the plugin listens and closes it on SIGINT/SIGTERM, exiting 0 (1 if close fails). */
export function runUntilSignal(server: PluginServer): void {
  console.log(`${server.id}: listening on ${server.socketPath}`);
  const stop = (signal: NodeJS.Signals): void => {
    console.log(`${server.id}: ${signal}, shutting down`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
