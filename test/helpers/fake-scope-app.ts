import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { pino, type Logger } from 'pino';

/** One `POST` as the fake app saw it, recorded when its body had fully arrived. */
export interface ReceivedRequest {
  /** `performance.now()` when the body ended (same clock as the code under test: same process). */
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw request body as sent (gzipped). */
  readonly body: Buffer;
}

/**
 * What the app does with request number `index` (0-based): answer with a status, answer later
 * (a promise: a gate the test opens), or `'hang'`: accept and never answer.
 */
export type Behaviour = (request: ReceivedRequest, index: number) => number | 'hang' | Promise<number>;

export interface FakeApp {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  /** Requests whose connection closed before the app answered (client aborted). */
  readonly aborted: () => number;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 standing in for a Scope app's `POST /api/report`. */
export async function startFakeApp(behaviour: Behaviour = () => 200, errorBody = 'boom: the app is sad', appId?: string): Promise<FakeApp> {
  const received: ReceivedRequest[] = [];
  let aborted = 0;
  const id = appId ?? randomBytes(8).toString('hex');
  const server: Server = createServer((req, res) => {
    // The app's identity, asked before publishing; answered at once and not recorded.
    if (req.method === 'GET' && req.url === '/api') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, version: 'fake', hostname: 'fake', capabilities: {}, plugins: [] }));
      return;
    }
    // Only publishes are recorded; the control websocket (a GET) is refused here.
    if (req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        at: performance.now(),
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      const index = received.length;
      received.push(request);
      res.on('close', () => {
        if (!res.writableFinished) aborted++;
      });
      const answer = (status: number): void => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? '' : errorBody);
      };
      const decision = behaviour(request, index);
      if (decision === 'hang') return;
      if (typeof decision === 'number') answer(decision);
      else void decision.then(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    aborted: () => aborted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Decodes a received body the way a Scope app does for `application/json` + gzip. */
export function decodeBody(request: ReceivedRequest): unknown {
  return JSON.parse(gunzipSync(request.body).toString('utf8'));
}

/** A real pino logger whose records are kept in memory, for asserting what was logged. */
export function captureLogs(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, records };
}

/** A manually opened gate: `behaviour` returns `gate.wait()`, the test calls `gate.open(200)`. */
export function gate(): { wait(): Promise<number>; open(status: number): void } {
  let opened: number | null = null;
  const waiters: Array<(status: number) => void> = [];
  return {
    wait: () => (opened !== null ? Promise.resolve(opened) : new Promise<number>((resolve) => waiters.push(resolve))),
    open: (status) => {
      opened = status;
      for (const w of waiters.splice(0)) w(status);
    },
  };
}
