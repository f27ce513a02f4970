/**
 * PluginClient against well-behaved (and slightly odd) real servers on unix sockets: the request it
 * sends, keep-alive, status lines, gzip, the size cap at its edges, the deadline, and lifecycle.
 * Misbehaving servers are in hostile-transport.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { ErrorCode } from '../../../src/shared/errors.js';
import { PluginClient, type PluginClientOptions } from '../../../src/workers/plugin-client.js';
import { onRequestHeads, serveHttp, serveRaw, type Running } from '../../helpers/unix-servers.js';
import { tempDir } from '../../helpers/tmp.js';

let dir: { path: string; cleanup(): Promise<void> };
let n = 0;
before(async () => {
  dir = await tempDir('sph-pc-');
});
after(async () => {
  await dir.cleanup();
});

function sock(): string {
  return join(dir.path, `p${n++}.sock`);
}

function newClient(socketPath: string, over: Partial<PluginClientOptions> = {}): PluginClient {
  return new PluginClient({ socketPath, probeId: 'abc123', apiVersion: '1', timeoutMs: 500, maxResponseBytes: 1024, ...over });
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An HTTP server that records every request and answers with `answer`. */
async function recordingServer(
  path: string,
  answer: (req: Seen) => { status?: number; headers?: Record<string, string>; body?: string | Buffer; reason?: string },
): Promise<{ server: Running; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await serveHttp(path, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts).toString() };
      seen.push(s);
      const a = answer(s);
      if (a.reason !== undefined) res.statusMessage = a.reason;
      res.writeHead(a.status ?? 200, a.headers ?? {});
      res.end(a.body ?? '');
    });
  });
  return { server, seen };
}

async function withClient<T>(c: PluginClient, server: Running | null, fn: (c: PluginClient) => Promise<T>): Promise<T> {
  try {
    return await fn(c);
  } finally {
    await c.close();
    await server?.close();
  }
}

describe('requests', () => {
  test('GET /report and GET / carry exactly api_version and probe_id, Host plugin, Accept-Encoding gzip', async () => {
    const path = sock();
    const { server, seen } = await recordingServer(path, () => ({ body: '{}' }));
    await withClient(newClient(path), server, async (c) => {
      const report = await c.get('/report');
      const root = await c.get('/');
      assert.ok(report.answered && root.answered);
      assert.equal(report.body.toString(), '{}');
    });
    assert.deepEqual(
      seen.map((s) => [s.method, s.url]),
      [
        ['GET', '/report?api_version=1&probe_id=abc123'],
        ['GET', '/?api_version=1&probe_id=abc123'],
      ],
    );
    assert.equal(seen[0]!.headers.host, 'plugin');
    assert.equal(seen[0]!.headers['accept-encoding'], 'gzip');
  });

  test('query values are escaped like Go url.Values.Encode', async () => {
    const path = sock();
    const { server, seen } = await recordingServer(path, () => ({ body: '{}' }));
    await withClient(newClient(path, { probeId: 'a b&c', apiVersion: '' }), server, (c) => c.get('/report'));
    assert.equal(seen[0]!.url, '/report?api_version=&probe_id=a+b%26c');
  });

  test('POST /control sends JSON with Content-Type application/json and the same query', async () => {
    const path = sock();
    const { server, seen } = await recordingServer(path, () => ({ body: '{"value":"done"}' }));
    const request = { AppID: 'app', NodeID: 'n1', Control: 'ctrl1', ControlArgs: null };
    const result = await withClient(newClient(path), server, (c) => c.postControl(request));
    assert.ok(result.answered);
    assert.equal(result.body.toString(), '{"value":"done"}');
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.url, '/control?api_version=1&probe_id=abc123');
    assert.equal(seen[0]!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen[0]!.body), request);
  });

  test('an unencodable control body is a failure result, not a throw', async () => {
    const c = newClient(sock());
    const result = await c.postControl({ big: 1n });
    assert.equal(result.answered, false);
    assert.equal(!result.answered && result.error.code, ErrorCode.INTERNAL);
    await c.close();
  });

  test('keep-alive: successive polls reuse one connection', async () => {
    const path = sock();
    const { server } = await recordingServer(path, () => ({ body: '{}' }));
    await withClient(newClient(path), server, async (c) => {
      for (let i = 0; i < 5; i++) assert.ok((await c.get('/report')).answered);
    });
    assert.equal(server.connections(), 1);
  });

  test("a server's Keep-Alive: timeout hint is honoured: not reused within a second of it", async () => {
    const path = sock();
    let i = 0;
    // The first answer says "I close idle connections after 1 s": too close to reuse safely.
    const server = await serveRaw(path, (s) =>
      onRequestHeads(s, () => {
        const hint = i++ === 0 ? 'Keep-Alive: timeout=1\r\n' : 'Keep-Alive: timeout=5\r\n';
        s.write(`HTTP/1.1 200 OK\r\n${hint}Content-Length: 2\r\n\r\n{}`);
      }),
    );
    await withClient(newClient(path), server, async (c) => {
      for (let k = 0; k < 4; k++) assert.ok((await c.get('/report')).answered);
    });
    assert.equal(server.connections(), 2, 'a fresh connection after the timeout=1 answer, then one kept');
  });
});

describe('status lines', () => {
  test('non-200: status code and the server reason phrase, body drained, connection kept', async () => {
    const path = sock();
    let i = 0;
    const { server } = await recordingServer(path, () =>
      i++ === 0 ? { status: 500, body: 'Internal Server Error' } : { status: 418, reason: 'Kaputt', body: 'x' },
    );
    await withClient(newClient(path), server, async (c) => {
      const first = await c.get('/report');
      assert.ok(first.answered);
      assert.deepEqual([first.statusCode, first.statusText, first.body.length], [500, 'Internal Server Error', 0]);
      const second = await c.get('/report');
      assert.ok(second.answered);
      assert.deepEqual([second.statusCode, second.statusText], [418, 'Kaputt']);
    });
    assert.equal(server.connections(), 1);
  });

  test('an empty reason phrase falls back to the standard one', async () => {
    const path = sock();
    const server = await serveRaw(path, (s) => onRequestHeads(s, () => s.write('HTTP/1.1 503 \r\nContent-Length: 0\r\n\r\n')));
    const result = await withClient(newClient(path), server, (c) => c.get('/report'));
    assert.ok(result.answered);
    assert.deepEqual([result.statusCode, result.statusText], [503, 'Service Unavailable']);
  });

  test('a non-200 with a body far over the cap is still just its status', async () => {
    const path = sock();
    const { server } = await recordingServer(path, () => ({ status: 404, body: Buffer.alloc(4 * 1024 * 1024) }));
    const result = await withClient(newClient(path), server, (c) => c.get('/'));
    assert.ok(result.answered, JSON.stringify(result));
    assert.equal(result.statusCode, 404);
  });
});

describe('bodies', () => {
  test('gzip (and x-gzip) replies are decompressed', async () => {
    const path = sock();
    const json = JSON.stringify({ hello: 'world'.repeat(50) });
    let i = 0;
    const { server } = await recordingServer(path, () => ({
      headers: { 'content-encoding': i++ === 0 ? 'gzip' : 'x-gzip' },
      body: gzipSync(json),
    }));
    await withClient(newClient(path), server, async (c) => {
      for (let k = 0; k < 2; k++) {
        const r = await c.get('/report');
        assert.ok(r.answered, JSON.stringify(r));
        assert.equal(r.body.toString(), json);
      }
    });
  });

  test('size cap: a body of exactly the cap passes unchanged, one byte more is too large (uc-21, uc-23)', async () => {
    const path = sock();
    let size = 1024;
    const { server } = await recordingServer(path, () => ({ body: 'a'.repeat(size) }));
    await withClient(newClient(path, { maxResponseBytes: 1024 }), server, async (c) => {
      const atCap = await c.get('/report');
      assert.ok(atCap.answered);
      assert.equal(atCap.body.toString(), 'a'.repeat(1024));
      size = 1025;
      const over = await c.get('/report');
      assert.deepEqual(over.answered ? null : over.error, { code: ErrorCode.TOO_LARGE, message: 'response must be shorter than 50MB' });
      size = 9;
      const small = await c.get('/report');
      assert.ok(small.answered);
      assert.equal(small.body.toString(), 'aaaaaaaaa');
    });
  });

  test('size cap counts decompressed bytes', async () => {
    const path = sock();
    const { server } = await recordingServer(path, () => ({
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync('a'.repeat(1025)),
    }));
    const result = await withClient(newClient(path, { maxResponseBytes: 1024 }), server, (c) => c.get('/report'));
    assert.equal(!result.answered && result.error.code, ErrorCode.TOO_LARGE);
  });

  test('chunked body over the cap without Content-Length is too large', async () => {
    const path = sock();
    const server = await serveHttp(path, (_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 20; i++) res.write('b'.repeat(100));
      res.end();
    });
    const result = await withClient(newClient(path), server, (c) => c.get('/report'));
    assert.equal(!result.answered && result.error.code, ErrorCode.TOO_LARGE);
  });

  test('an empty 200 body stays empty (uc-22)', async () => {
    const path = sock();
    const { server } = await recordingServer(path, () => ({ body: '' }));
    const result = await withClient(newClient(path), server, (c) => c.get('/report'));
    assert.ok(result.answered);
    assert.equal(result.body.length, 0);
  });

  test('an encoding other than gzip is a decoding error', async () => {
    const path = sock();
    const { server } = await recordingServer(path, () => ({ headers: { 'content-encoding': 'br' }, body: 'xx' }));
    const result = await withClient(newClient(path), server, (c) => c.get('/report'));
    assert.deepEqual(result.answered ? null : result.error, {
      code: ErrorCode.DECODE,
      message: 'decoding error: unsupported Content-Encoding "br" (only gzip is accepted)',
    });
  });
});

describe('deadline and lifecycle', () => {
  test('the deadline fires at timeoutMs (not undici’s coarse timers) and the next poll reconnects', async () => {
    const path = sock();
    const server = await serveRaw(path, (s, index) =>
      onRequestHeads(s, () => {
        if (index > 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
      }),
    );
    await withClient(newClient(path, { timeoutMs: 300 }), server, async (c) => {
      const t0 = performance.now();
      const hung = await c.get('/report');
      const ms = performance.now() - t0;
      assert.equal(!hung.answered && hung.error.code, ErrorCode.TIMEOUT);
      assert.match(!hung.answered ? hung.error.message : '', /no complete answer within 300 ms/);
      // Lower bound is exact; the upper bound only guards against the ~1 s undici timers.
      assert.ok(ms >= 299, `fired after ${ms} ms`);
      assert.ok(ms < 800, `fired after ${ms} ms`);
      assert.ok(Math.abs(hung.latencyMs - ms) < 50);
      const next = await c.get('/report');
      assert.ok(next.answered, JSON.stringify(next));
    });
    assert.equal(server.connections(), 2);
  });

  test('a second request while one is in flight is refused, the first completes', async () => {
    const path = sock();
    const server = await serveHttp(path, (_req, res) => setTimeout(() => res.end('{}'), 100));
    await withClient(newClient(path), server, async (c) => {
      const first = c.get('/report');
      const second = await c.get('/report');
      assert.equal(!second.answered && second.error.code, ErrorCode.INTERNAL);
      assert.ok((await first).answered);
    });
  });

  test('destroy() settles an in-flight request at once as plugin client closed; idempotent; later calls refused', async () => {
    const path = sock();
    const server = await serveRaw(path, (s) => s.resume());
    const c = newClient(path, { timeoutMs: 5_000 });
    try {
      const pending = c.get('/report');
      await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      await Promise.all([c.destroy(), c.destroy()]);
      const result = await pending;
      assert.ok(performance.now() - t0 < 1_000);
      assert.deepEqual(result.answered ? null : result.error.code, ErrorCode.SHUTTING_DOWN);
      assert.match(!result.answered ? result.error.message : '', /plugin client closed/);
      const later = await c.get('/report');
      assert.equal(!later.answered && later.error.code, ErrorCode.SHUTTING_DOWN);
    } finally {
      await server.close();
    }
  });

  test('close() lets the in-flight request finish, and is idempotent', async () => {
    const path = sock();
    const server = await serveHttp(path, (_req, res) => setTimeout(() => res.end('{"late":true}'), 100));
    const c = newClient(path);
    try {
      const pending = c.get('/report');
      const closing = c.close();
      assert.equal(c.close(), closing);
      const result = await pending;
      assert.ok(result.answered, JSON.stringify(result));
      assert.equal(result.body.toString(), '{"late":true}');
      await closing;
    } finally {
      await server.close();
    }
  });

  test('destroy() cuts short a close() that waits on a hung request', async () => {
    const path = sock();
    const server = await serveRaw(path, (s) => s.resume());
    const c = newClient(path, { timeoutMs: 10_000 });
    try {
      const pending = c.get('/report');
      await new Promise((r) => setTimeout(r, 50));
      const closing = c.close();
      const t0 = performance.now();
      const destroying = c.destroy();
      assert.equal(destroying, closing, 'both verbs share one shutdown');
      const result = await pending;
      await closing;
      assert.ok(performance.now() - t0 < 1_000);
      assert.equal(!result.answered && result.error.code, ErrorCode.SHUTTING_DOWN);
    } finally {
      await server.close();
    }
  });

  test('a POST on a connection that dies is not retried (not idempotent)', async () => {
    const path = sock();
    const server = await serveRaw(path, (s) =>
      onRequestHeads(s, (_head, i) => {
        if (i === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
        else s.destroy();
      }),
    );
    await withClient(newClient(path), server, async (c) => {
      assert.ok((await c.get('/report')).answered);
      const post = await c.postControl({});
      assert.equal(!post.answered && post.error.code, ErrorCode.PROTOCOL);
      assert.match(!post.answered ? post.error.message : '', /^Post "http:\/\/plugin\/control\?api_version=1&probe_id=abc123": /);
    });
    assert.equal(server.connections(), 1);
  });
});
