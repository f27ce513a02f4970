/**
 * The host's HTTP server (loopback by default): a route table, so 404 and 405 fall out of it;
 * request bodies capped, large replies gzipped for clients that accept it; every error body is
 * JSON `{"error": "...", "code": "..."}`. The routes themselves are in ./routes.ts.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Logger } from 'pino';
import { http } from '../node-http.js';
import { API_SERVER_OPTIONS, ConnectionLimiter, type ConnectionStats } from './http-limits.js';

const gzipAsync = promisify(gzip);

/** Control request bodies are tiny; anything bigger is a client bug or an attack. */
const MAX_BODY_BYTES = 1 << 20;
/** Below this a report is sent as is: gzip would cost more than it saves. */
const GZIP_MIN_BYTES = 8 << 10;

export interface Reply {
  readonly status: number;
  readonly body: string | Buffer;
  readonly type?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (req: IncomingMessage, body: Buffer | null) => Promise<Reply> | Reply;
/** `rest`: the path after the prefix, percent-decoded. */
export type PrefixHandler = (rest: string, req: IncomingMessage) => Promise<Reply> | Reply;

export class ApiServer {
  readonly #server: Server;
  readonly #log: Logger;
  readonly #routes = new Map<string, Map<string, Handler>>();
  /** GET routes for every path under a prefix, tried when no exact path matches. */
  readonly #prefixes: [string, PrefixHandler][] = [];
  readonly #limiter: ConnectionLimiter;

  /** `maxConnections`: client connections kept open at most (fd-budget.ts decides how many). */
  constructor(logger: Logger, maxConnections = 1024) {
    this.#log = logger.child({ component: 'api' });
    this.#server = http.createServer(API_SERVER_OPTIONS, (req, res) => void this.#handle(req, res));
    this.#limiter = new ConnectionLimiter(this.#server, maxConnections);
  }

  get connections(): ConnectionStats {
    return this.#limiter.stats;
  }

  route(method: string, path: string, handler: Handler): this {
    let byMethod = this.#routes.get(path);
    if (!byMethod) this.#routes.set(path, (byMethod = new Map<string, Handler>()));
    byMethod.set(method, handler);
    return this;
  }

  /** GET (and HEAD) of any path that starts with `prefix` and goes on. */
  routePrefix(prefix: string, handler: PrefixHandler): this {
    this.#prefixes.push([prefix, handler]);
    return this;
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const byMethod = this.#routes.get(path);
    let reply: Reply;
    try {
      const prefixed = byMethod ? undefined : this.#prefixes.find(([prefix]) => path.startsWith(prefix) && path.length > prefix.length);
      if (prefixed) {
        reply =
          req.method === 'GET' || req.method === 'HEAD'
            ? await prefixed[1](decodePath(path.slice(prefixed[0].length)), req)
            : { ...json(405, { error: `${req.method} not allowed on ${path}; use GET`, code: 'API_METHOD' }), headers: { allow: 'GET' } };
      } else if (!byMethod) {
        reply = json(404, { error: `no such endpoint: ${path}`, code: 'API_NOT_FOUND' });
      } else {
        const handler = byMethod.get(req.method ?? 'GET') ?? (req.method === 'HEAD' ? byMethod.get('GET') : undefined);
        if (!handler) {
          const allow = [...byMethod.keys()].join(', ');
          reply = { ...json(405, { error: `${req.method} not allowed on ${path}; use ${allow}`, code: 'API_METHOD' }), headers: { allow } };
        } else {
          const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : null;
          reply =
            body === 'too-large'
              ? json(413, { error: `request body must be shorter than ${MAX_BODY_BYTES} bytes`, code: 'API_TOO_LARGE' })
              : await handler(req, body);
        }
      }
    } catch (err) {
      this.#log.error({ err, path }, 'api handler failed');
      reply = json(500, { error: `internal error: ${(err as Error).message}`, code: 'HOST_INTERNAL' });
    }
    await send(req, res, reply);
  }
}

/** Percent-decoded; a malformed escape is kept as written (it then names nothing). */
function decodePath(rest: string): string {
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

export function json(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value), type: 'application/json' };
}

async function send(req: IncomingMessage, res: ServerResponse, reply: Reply): Promise<void> {
  let body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  const headers: Record<string, string | number> = {
    'content-type': reply.type ?? 'application/json',
    'cache-control': 'no-cache',
    ...reply.headers,
  };
  if (body.length >= GZIP_MIN_BYTES && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    body = await gzipAsync(body); // libuv thread pool, not the main thread
    headers['content-encoding'] = 'gzip';
    headers['vary'] = 'accept-encoding';
  }
  headers['content-length'] = body.length;
  if (res.destroyed) return;
  res.writeHead(reply.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
