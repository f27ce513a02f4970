/**
 * `node:http` and `node:https` for the main thread, loaded with `require`. Imported as ES modules
 * (Node 22 and 24), node:http's module namespace reads its lazy `WebSocket`, `CloseEvent` and
 * `MessageEvent` exports, which loads Node's bundled undici and http2 into main for nothing
 * (docs/decisions/069-fixed-cost-of-a-thread.md). `require` leaves them unread.
 */
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type * as Https from 'node:https';

const require = createRequire(import.meta.url);

export const http = require('node:http') as typeof Http;
export const https = require('node:https') as typeof Https;
