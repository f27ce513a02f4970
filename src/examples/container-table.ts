/**
 * Runnable container-table example: `node dist/examples/container-table.js [--root DIR]`.
 * Serves `<root>/container-table/container-table.sock` with the demo containers until SIGINT/SIGTERM.
 */
import { startContainerTablePlugin } from './container-table-plugin.js';
import { exampleArgs, runUntilSignal } from './example-cli.js';

runUntilSignal(await startContainerTablePlugin({ root: exampleArgs().root }));
