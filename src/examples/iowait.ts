/**
 * Runnable iowait example: `node dist/examples/iowait.js [--root DIR]`.
 * Serves `<root>/iowait/iowait.sock` until SIGINT/SIGTERM.
 */
import { exampleArgs, runUntilSignal } from './example-cli.js';
import { startIowaitPlugin } from './iowait-plugin.js';

runUntilSignal(await startIowaitPlugin({ root: exampleArgs().root }));
