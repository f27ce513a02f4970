/**
 * PluginConnection on real unix sockets with servers that send exact bytes: keep-alive reuse,
 * the server's keep-alive hint (judged on an injected clock), and every way an exchange ends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ResponseHead } from '../../../src/workers/http-response-parser.js';
import { PluginConnection, type ExchangeHandler } from '../../../src/workers/plugin-connection.js';
import { tempDir } from '../../helpers/tmp.js';
import { onRequestHeads, serveRaw, type Running } from '../../helpers/unix-servers.js';

const GET = Buffer.from('GET /report HTTP/1.1\r\nHost: plugin\r\n\r\n');

/** Records the exchange's events; `done` settles on its end or error. */
class Recorder implements ExchangeHandler {
  readonly events: string[] = [];
  readonly body: Buffer[] = [];
  head: ResponseHead | null = null;
  error: Error | null = null;
  readonly done: Promise<void>;
  #finish!: () => void;
  constructor() {
    this.done = new Promise((resolve) => (this.#finish = resolve));
  }
  onSent(reused: boolean): void {
    this.events.push(`sent${reused ? ' reused' : ''}`);
  }
  onBegin(): void {
    this.events.push('begin');
  }
  onHead(head: ResponseHead): void {
    this.head = head;
    this.events.push(`head ${head.statusCode}`);
  }
  onBody(chunk: Buffer): void {
    this.body.push(chunk);
  }
  onEnd(): void {
    this.events.push('end');
    this.#finish();
  }
  onError(err: Error): void {
    this.error = err;
    this.events.push('error');
    this.#finish();
  }
  text(): string {
    return Buffer.concat(this.body).toString();
  }
}

function exchange(conn: PluginConnection, request = GET): Recorder {
  const recorder = new Recorder();
  conn.send(request, recorder);
  return recorder;
}

describe('PluginConnection', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  const servers: Running[] = [];
  let n = 0;
  /** A raw server answering each request head with `answer(n)`; returns its socket path. */
  async function serve(
    answer: (request: number) => string | null,
    after?: (socket: import('node:net').Socket) => void,
  ): Promise<{ path: string; server: Running }> {
    const path = join(dir.path, `p${n++}.sock`);
    const server = await serveRaw(path, (socket) => {
      onRequestHeads(socket, (_head, i) => {
        const bytes = answer(i);
        if (bytes !== null) socket.write(bytes);
        after?.(socket);
      });
    });
    servers.push(server);
    return { path, server };
  }

  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await dir.cleanup();
  });

  test('a keep-alive connection carries one request after another; the second is marked reused', async () => {
    const { path, server } = await serve((i) => `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr${i}`);
    const conn = new PluginConnection(path, 8192);
    const first = exchange(conn);
    await first.done;
    assert.deepEqual(first.events, ['sent', 'begin', 'head 200', 'end']);
    assert.equal(first.text(), 'r0');
    assert.equal(conn.usable, true);
    const second = exchange(conn);
    await second.done;
    assert.deepEqual(second.events, ['sent reused', 'begin', 'head 200', 'end']);
    assert.equal(second.text(), 'r1');
    assert.equal(server.connections(), 1);
    conn.destroy();
    await conn.closed;
    assert.equal(conn.usable, false);
  });

  test("the server's Keep-Alive timeout, less a second, bounds reuse (on the injected clock)", async () => {
    const { path } = await serve(() => 'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n');
    let now = 10_000;
    const conn = new PluginConnection(path, 8192, () => now);
    await exchange(conn).done;
    now += 3_999;
    assert.equal(conn.usable, true);
    now += 1;
    assert.equal(conn.usable, false);
    assert.throws(() => conn.send(GET, new Recorder()), /not usable/);
    conn.destroy();
  });

  test('a hint of a second or less means no reuse at all', async () => {
    const { path } = await serve(() => 'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 0\r\n\r\n');
    const conn = new PluginConnection(path, 8192, () => 0);
    await exchange(conn).done;
    assert.equal(conn.usable, false);
    await conn.closed;
  });

  test('Connection: close and a close-delimited body: complete on EOF, then not reusable', async () => {
    const { path } = await serve(
      () => 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it',
      (socket) => socket.end(),
    );
    const conn = new PluginConnection(path, 8192);
    const r = exchange(conn);
    await r.done;
    assert.deepEqual(r.events, ['sent', 'begin', 'head 200', 'end']);
    assert.equal(r.text(), 'all of it');
    assert.equal(conn.usable, false);
  });

  test('a body cut short by the server is an error, not an answer', async () => {
    const { path } = await serve(
      () => 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc',
      (socket) => socket.end(),
    );
    const conn = new PluginConnection(path, 8192);
    const r = exchange(conn);
    await r.done;
    assert.equal(r.events.at(-1), 'error');
    assert.ok(r.error);
    assert.equal(conn.usable, false);
  });

  test('bytes nobody asked for after an answer end the connection', async () => {
    const { path } = await serve(() => 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA');
    const conn = new PluginConnection(path, 8192);
    const r = exchange(conn);
    await r.done;
    assert.equal(r.text(), 'x');
    await conn.closed;
    assert.equal(conn.usable, false);
  });

  test('a head larger than the cap fails the exchange with a parse error', async () => {
    const { path } = await serve(() => `HTTP/1.1 200 OK\r\nX-Big: ${'y'.repeat(2000)}\r\nContent-Length: 0\r\n\r\n`);
    const conn = new PluginConnection(path, 512);
    const r = exchange(conn);
    await r.done;
    assert.match(String((r.error as { code?: string } | null)?.code), /HTTP_HEADERS_OVERFLOW/);
  });

  test('a missing socket fails with the connect error; abandon stops all callbacks', async () => {
    const missing = new PluginConnection(join(dir.path, 'absent.sock'), 8192);
    const r = exchange(missing);
    await r.done;
    assert.equal((r.error as NodeJS.ErrnoException).code, 'ENOENT');
    assert.deepEqual(r.events, ['error']);

    const { path } = await serve(() => null); // never answers
    const conn = new PluginConnection(path, 8192);
    const silent = exchange(conn);
    conn.abandon(silent);
    await conn.closed;
    assert.ok(!silent.events.includes('end') && !silent.events.includes('error'), silent.events.join());
    assert.equal(conn.usable, false);
  });
});
