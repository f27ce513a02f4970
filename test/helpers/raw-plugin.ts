/**
 * A plugin that answers whatever the test wants, byte for byte: a real `node:http` server on a
 * unix socket. For well-behaved plugins the tests use the kit (src/kit); this is for plugins that
 * return 500s, garbage, wrong specs or hang.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface RawPlugin {
  readonly socketPath: string;
  readonly requests: { method: string; url: string; at: number }[];
  close(): Promise<void>;
}

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

export async function rawPlugin(socketPath: string, handler: RawHandler): Promise<RawPlugin> {
  await mkdir(dirname(socketPath), { recursive: true });
  await rm(socketPath, { force: true });
  const requests: RawPlugin['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', at: Date.now() });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}

/** A current-era plugin answering `/report` with `body` (an object is JSON-encoded) and 404 elsewhere. */
export function reportHandler(body: unknown, status = 200): RawHandler {
  return (req, res) => {
    if (!req.url?.startsWith('/report')) {
      res.writeHead(404).end('not found');
      return;
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json' }).end(text);
  };
}

/** `{"Plugins":[spec]}` with api_version "1" unless given. */
export function specReport(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, Plugins: [{ api_version: '1', ...spec }] };
}
