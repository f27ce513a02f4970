/**
 * Runnable seed-era example: `node dist/examples/handshake-era.js [--root DIR]`.
 * Serves `<root>/handshake-era/handshake-era.sock` until SIGINT/SIGTERM.
 */
import { exampleArgs, runUntilSignal } from './example-cli.js';
import { startHandshakeEraPlugin } from './handshake-era-plugin.js';

runUntilSignal(await startHandshakeEraPlugin({ root: exampleArgs().root }));
